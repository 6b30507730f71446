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
    // Each frame has a shadow page holding every entry with the pseudo-physical frame in place of the machine
    // one: the table lives in Xen's frames, which a save does not keep, so after a restore in a new domain
    // every grant is written again from it (Linux's gnttab_resume re-maps; its drivers grant again).
    internal static unsafe class GrantTable
    {
        public const uint MaxFrames = 64;  // what our tables are sized for: Xen's default max_grant_frames
        public const int MaxDeferred = 64;
        private const ulong RetryNanoseconds = 10_000_000;

        private struct Frames { public fixed ulong Addresses[(int)MaxFrames]; public fixed ulong Shadows[(int)MaxFrames]; }
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
            SuspendResume.SetGrantTableHooks(&Unmap, &Remap);
            uint initial = query.NrFrames == 0 ? 1 : query.NrFrames;
            if (!MapFrames(initial > s_frameLimit ? s_frameLimit : initial))
                Panic.Fail("grant table: no page to map its first frame");
            Idle.AddPoller(&RetryDeferred);
        }

        // GNTTABOP_setup_table for `count` frames (Xen grows the table if needed and returns every frame's
        // machine address); the new ones are mapped over pages whose own frames go back to Xen, each with a
        // zeroed shadow page, and frames already ours are mapped again when remap is set (after a suspend).
        private static bool MapFrames(uint count, bool remap = false)
        {
            Span<ulong> frames = stackalloc ulong[(int)MaxFrames];
            var setup = new GnttabSetupTable { Dom = (ushort)DomainId.Self, NrFrames = count };
            fixed (ulong* list = frames) setup.FrameList = (ulong)list;
            long rc = Hypercall.GrantTableOp(GrantTableOp.SetupTable, &setup, 1);
            if (rc < 0) Panic.HypercallFailed("grant_table_op(GNTTABOP_setup_table)", rc);
            CheckStatus(setup.Status, "GNTTABOP_setup_table");
            if (remap)
                for (uint i = 0; i < s_frameCount; i++) MapFrame(s_frames.Addresses[i], frames[(int)i]);
            for (uint i = s_frameCount; i < count; i++)
            {
                void* page = FramePool.AllocatePage();
                void* shadow = page == null ? null : FramePool.AllocatePage();
                if (shadow == null)
                {
                    if (page != null) FramePool.FreePage(page);
                    return false;
                }
                new Span<byte>(shadow, 4096).Clear();
                MapFrame((ulong)page, frames[(int)i]);
                // The page's own frame is mapped nowhere now: it goes back to Xen.
                ulong pfn = (ulong)page >> XenConstants.PageShift;
                MemorySetup.ReturnFrames(new ReadOnlySpan<ulong>(&pfn, 1));
                s_frames.Addresses[i] = (ulong)page;
                s_frames.Shadows[i] = (ulong)shadow;
                s_frameCount = i + 1;
            }
            s_refs.Grow(s_frameCount * GrantEntryV1.PerPage);
            return true;
        }

        private static void MapFrame(ulong address, ulong frame)
        {
            ulong pte = PageTableEntry.Make(frame, LinearMap.DataFlags);
            Panic.Check(Hypercall.UpdateVaMapping(address, pte, XenConstants.UvmfInvlpg), "update_va_mapping(grant frame)");
        }

        // Before SHUTDOWN_suspend: the save refuses page tables that map frames not in our p2m, so the table's
        // frames are unmapped (Linux's gnttab_suspend). Nothing may touch an entry until Remap.
        public static void Unmap()
        {
            for (uint i = 0; i < s_frameCount; i++)
                Panic.Check(Hypercall.UpdateVaMapping(s_frames.Addresses[i], 0, XenConstants.UvmfInvlpg), "update_va_mapping(grant frame, unmap)");
        }

        // After the suspend hypercall returned. Cancelled: the same frames, entries and mappings of the backends
        // are still there, so they are only mapped again. In a new domain the table is Xen's fresh one: it is
        // set up to our size again and every live grant written from its shadow with its page's new machine
        // frame; nothing maps them any more, so grants whose end was deferred are ended at the next retry.
        public static void Remap(bool newDomain)
        {
            if (!s_ready) return;
            if (newDomain)
            {
                var query = new GnttabQuerySize { Dom = (ushort)DomainId.Self };
                Panic.Check(Hypercall.GrantTableOp(GrantTableOp.QuerySize, &query, 1), "grant_table_op(GNTTABOP_query_size) after a restore");
                CheckStatus(query.Status, "GNTTABOP_query_size");
                if (query.MaxNrFrames < s_frameCount)
                {
                    var text = new TextBuilder(stackalloc char[128]);
                    text.Append($"grant table: the restored domain allows {query.MaxNrFrames} frames, we use {s_frameCount}");
                    Panic.Fail(text.Text);
                }
                s_frameLimit = query.MaxNrFrames < MaxFrames ? query.MaxNrFrames : MaxFrames;
            }
            MapFrames(s_frameCount, remap: true);
            if (!newDomain) return;
            for (uint gref = GrantRefAllocator.ReservedEntries; gref < s_frameCount * GrantEntryV1.PerPage; gref++)
            {
                GrantEntryV1* shadow = Shadow(gref);
                if ((shadow->Flags & GrantEntryV1.PermitAccess) == 0) continue;
                Write(gref, shadow->DomId, P2m.MachineFrame(shadow->Frame), shadow->Flags);
            }
            if (s_deferredCount > 0) ArmRetry();
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

        // Lets domain `domid` map our page (linear-map address) through `gref`: domid and frame first, a
        // barrier, then the flags that make the entry valid (the remote side must never see a valid entry with
        // stale contents). The shadow keeps the pseudo-physical frame for a restore.
        public static void GrantAccess(uint gref, ushort domid, void* page, bool readOnly)
        {
            ulong pfn = (ulong)page >> XenConstants.PageShift;
            ushort flags = (ushort)(GrantEntryV1.PermitAccess | (readOnly ? GrantEntryV1.ReadOnly : 0));
            GrantEntryV1* shadow = Shadow(gref);
            shadow->DomId = domid;
            shadow->Frame = (uint)pfn;
            shadow->Flags = flags;
            Write(gref, domid, P2m.MachineFrame(pfn), flags);
        }

        private static void Write(uint gref, ushort domid, ulong frame, ushort flags)
        {
            GrantEntryV1* entry = Entry(gref);
            entry->DomId = domid;
            entry->Frame = (uint)frame;
            Volatile.Write(ref *(uint*)&entry->Flags, flags | ((uint)domid << 16));
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
                if ((uint)Interlocked.CompareExchange(ref *(int*)flags, (int)(word & 0xFFFF0000), (int)word) != word) continue;
                Shadow(gref)->Flags = 0;
                return true;
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

        private static GrantEntryV1* Shadow(uint gref) => (GrantEntryV1*)s_frames.Shadows[gref / GrantEntryV1.PerPage] + gref % GrantEntryV1.PerPage;

        private static void CheckStatus(short status, string call)
        {
            if (status == GrantTableOp.StatusOkay) return;
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"grant table: {call} returned status {status}");
            Panic.Fail(text.Text);
        }
    }
}
