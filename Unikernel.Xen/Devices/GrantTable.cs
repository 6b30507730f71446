using System;
using System.Threading;
using Unikernel.Core.Grants;
using Unikernel.Core.Memory;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // This domain's v1 grant table (grant_table.h): the entries other domains (backends) may map or copy.
    // Set up on first use with the frames Xen already gave (GNTTABOP_query_size, GNTTABOP_setup_table, which
    // returns machine frames that we map over pages of our own); grown a frame at a time when the refs run
    // out, up to the domain's max_grant_frames. Ending access is refused while the remote side has the page
    // mapped (GTF_reading/GTF_writing); such a ref is retried later and not freed (nor its page reused) before.
    internal static unsafe class GrantTable
    {
        public const uint MaxFrames = 64;  // what our tables are sized for: Xen's default max_grant_frames
        public const int MaxDeferred = 64;
        private const ulong RetryNanoseconds = 10_000_000;

        private struct Frames { public fixed ulong Addresses[(int)MaxFrames]; }
        private struct RefBitmap { public fixed ulong Words[(int)(MaxFrames * GrantEntryV1.PerPage / 64)]; }
        private struct DeferredList
        {
            public fixed uint Refs[MaxDeferred];
            public fixed ulong Callbacks[MaxDeferred]; // delegate*<ulong, void>: told when the ref is released
            public fixed ulong Data[MaxDeferred];
        }

        private static Frames s_frames;
        private static RefBitmap s_bitmap;
        private static DeferredList s_deferred;
        private static GrantRefAllocator s_refs;
        private static uint s_frameCount, s_frameLimit;
        private static int s_deferredCount;
        private static bool s_ready, s_retryArmed;
        private static ulong s_deferrals;

        public static uint FrameCount => s_frameCount;
        public static uint FrameLimit => s_frameLimit;
        // Its frames (Xen's, not in our p2m) are mapped: a save would fail on them (suspend refuses).
        public static bool IsMapped => s_ready;
        public static uint RefsInUse => s_refs.InUse;
        public static int DeferredCount => s_deferredCount;
        public static ulong Deferrals => s_deferrals;

        private static void EnsureReady()
        {
            if (s_ready) return;
            var query = new GnttabQuerySize { Dom = (ushort)DomainId.Self };
            Panic.Check(Hypercall.GrantTableOp(GrantTableOp.QuerySize, &query, 1), "grant_table_op(GNTTABOP_query_size)");
            CheckStatus(query.Status, "GNTTABOP_query_size");
            s_frameLimit = query.MaxNrFrames < MaxFrames ? query.MaxNrFrames : MaxFrames;
            fixed (ulong* bitmap = s_bitmap.Words)
                s_refs = new GrantRefAllocator(bitmap, MaxFrames * GrantEntryV1.PerPage, 0);
            s_ready = true;
            uint initial = query.NrFrames == 0 ? 1 : query.NrFrames;
            if (!MapFrames(initial > s_frameLimit ? s_frameLimit : initial))
                Panic.Fail("grant table: no page to map its first frame");
            Idle.AddPoller(&RetryDeferred);
        }

        // GNTTABOP_setup_table for `count` frames (Xen grows the table if needed and returns every frame's
        // machine address); the new ones are mapped over pages whose own frames go back to Xen.
        private static bool MapFrames(uint count)
        {
            Span<ulong> frames = stackalloc ulong[(int)MaxFrames];
            var setup = new GnttabSetupTable { Dom = (ushort)DomainId.Self, NrFrames = count };
            fixed (ulong* list = frames) setup.FrameList = (ulong)list;
            long rc = Hypercall.GrantTableOp(GrantTableOp.SetupTable, &setup, 1);
            if (rc < 0) Panic.HypercallFailed("grant_table_op(GNTTABOP_setup_table)", rc);
            CheckStatus(setup.Status, "GNTTABOP_setup_table");
            for (uint i = s_frameCount; i < count; i++)
            {
                void* page = FramePool.AllocatePage();
                if (page == null) return false;
                ulong pte = PageTableEntry.Make(frames[(int)i], LinearMap.DataFlags);
                Panic.Check(Hypercall.UpdateVaMapping((ulong)page, pte, XenConstants.UvmfInvlpg), "update_va_mapping(grant frame)");
                // The page's own frame is mapped nowhere now: it goes back to Xen.
                ulong pfn = (ulong)page >> XenConstants.PageShift;
                MemorySetup.ReturnFrames(new ReadOnlySpan<ulong>(&pfn, 1));
                s_frames.Addresses[i] = (ulong)page;
                s_frameCount = i + 1;
            }
            s_refs.Grow(s_frameCount * GrantEntryV1.PerPage);
            return true;
        }

        // A free reference, growing the table when all are taken; -ENOSPC when the domain's limit is reached
        // (or memory for a frame ran out): the caller reports it.
        public static long AllocateRef()
        {
            EnsureReady();
            while (true)
            {
                GrantRefStatus status = s_refs.Allocate(out uint gref);
                if (status == GrantRefStatus.Ok) return gref;
                if (s_frameCount >= s_frameLimit || !MapFrames(s_frameCount + 1)) return XenError.ENOSPC;
            }
        }

        // Lets domain `domid` map machine frame `frame` through `gref`: domid and frame first, a barrier,
        // then the flags that make the entry valid (the remote side must never see a valid entry with stale
        // contents).
        public static void GrantAccess(uint gref, ushort domid, ulong frame, bool readOnly)
        {
            GrantEntryV1* entry = Entry(gref);
            entry->DomId = domid;
            entry->Frame = (uint)frame;
            Volatile.Write(ref *(uint*)&entry->Flags, (uint)(GrantEntryV1.PermitAccess | (readOnly ? GrantEntryV1.ReadOnly : 0)) | ((uint)domid << 16));
        }

        // Revokes the grant with a compare-exchange of its flags to 0, refused while the remote domain has the
        // page mapped (GTF_reading/GTF_writing): false then, and the caller must not reuse the page yet.
        public static bool TryEndAccess(uint gref)
        {
            ushort* flags = &Entry(gref)->Flags;
            while (true)
            {
                uint word = Volatile.Read(ref *(uint*)flags); // flags and domid: the exchange covers both halves
                if ((word & (GrantEntryV1.Reading | GrantEntryV1.Writing)) != 0) return false;
                if ((uint)Interlocked.CompareExchange(ref *(int*)flags, (int)(word & 0xFFFF0000), (int)word) == word) return true;
            }
        }

        // Ends access and frees the ref; if the remote side still has the page mapped, the ref is kept and
        // retried from the idle loop, and released(data) runs once it is free (at once if it already is).
        public static void EndAccess(uint gref, delegate*<ulong, void> released, ulong data)
        {
            if (TryEndAccess(gref))
            {
                FreeRef(gref);
                if (released != null) released(data);
                return;
            }
            if (s_deferredCount == MaxDeferred)
            {
                var text = new TextBuilder(stackalloc char[128]);
                text.Append($"grant table: {MaxDeferred} grants are still mapped by their backends; ref {gref} cannot be ended");
                Panic.Fail(text.Text);
            }
            s_deferred.Refs[s_deferredCount] = gref;
            s_deferred.Callbacks[s_deferredCount] = (ulong)released;
            s_deferred.Data[s_deferredCount] = data;
            s_deferredCount++;
            s_deferrals++;
            ArmRetry();
        }

        public static void FreeRef(uint gref)
        {
            GrantRefStatus status = s_refs.Free(gref);
            if (status == GrantRefStatus.Ok) return;
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"grant table: freeing ref {gref} failed with {(int)status}");
            Panic.Fail(text.Text);
        }

        // Nothing tells us when a backend unmaps: look again after a while (Linux retries on a timer too).
        private static void ArmRetry()
        {
            if (s_retryArmed) return;
            s_retryArmed = true;
            VcpuTimer.StartAfter(RetryNanoseconds, &OnRetryTimer, 0);
        }

        private static void OnRetryTimer(ulong unused)
        {
            s_retryArmed = false;
            Idle.Kick();
        }

        private static void RetryDeferred()
        {
            int i = 0;
            while (i < s_deferredCount)
            {
                uint gref = s_deferred.Refs[i];
                if (!TryEndAccess(gref)) { i++; continue; }
                var released = (delegate*<ulong, void>)s_deferred.Callbacks[i];
                ulong data = s_deferred.Data[i];
                s_deferredCount--;
                s_deferred.Refs[i] = s_deferred.Refs[s_deferredCount];
                s_deferred.Callbacks[i] = s_deferred.Callbacks[s_deferredCount];
                s_deferred.Data[i] = s_deferred.Data[s_deferredCount];
                FreeRef(gref);
                if (released != null) released(data);
            }
            if (s_deferredCount > 0) ArmRetry();
        }

        public static bool IsAllocated(uint gref) => s_ready && s_refs.IsAllocated(gref);

        // The entry's flags, which Xen sets GTF_reading/GTF_writing in while a remote domain maps the page
        // (the probe sets them itself to check that ending access waits for them to clear).
        internal static ushort* FlagsOf(uint gref) => &Entry(gref)->Flags;

        private static GrantEntryV1* Entry(uint gref)
        {
            if (!s_refs.IsAllocated(gref))
            {
                var text = new TextBuilder(stackalloc char[96]);
                text.Append($"grant table: ref {gref} is not allocated");
                Panic.Fail(text.Text);
            }
            return (GrantEntryV1*)s_frames.Addresses[gref / GrantEntryV1.PerPage] + gref % GrantEntryV1.PerPage;
        }

        private static void CheckStatus(short status, string call)
        {
            if (status == GrantTableOp.StatusOkay) return;
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"grant table: {call} returned status {status}");
            Panic.Fail(text.Text);
        }
    }
}
