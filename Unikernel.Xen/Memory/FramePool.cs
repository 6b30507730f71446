using System;
using Unikernel.Core.Memory;
using Unikernel.Core.Paravirt;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Page frames for the application: every free RAM page after memory setup, plus the balloon space
    // (extra regions) that XENMEM_populate_physmap backs on demand, up to the maximum reservation. A page's
    // address is its pseudo-physical address: all RAM is mapped there.
    internal static unsafe class FramePool
    {
        private static FrameAllocator s_allocator;
        private static bool s_ready;

        public static ulong FreePageCount => s_ready ? s_allocator.FreePages : 0;
        public static ulong PopulatedPages => s_ready ? s_allocator.PopulatedPages : 0;
        public static ulong PopulateBudget => s_ready ? s_allocator.PopulateBudget : 0;

        // What Initialize found after the mapped part: RAM left to map on first use, and the leaf tables
        // (donors) set aside for it.
        public struct LazyCounts { public ulong Deferred, Donors; }

        // The allocator's bitmaps are in pages memory setup reserved (mapped by now). Free: the backed pfns of
        // the mapped ranges given, then every backed pfn from the lazily mapped start on (where no block is
        // mapped yet), except each block's donor (its future leaf table); balloon space (the extra regions) may
        // be populated.
        internal static void Initialize(ulong* bitmaps, ulong words, ulong topPfn, scoped ReadOnlySpan<PfnRange> free, ref ExtraMemory extra,
            ulong budget, scoped ReadOnlySpan<PfnRange> backedRuns, bool backedRunsKnown, out LazyCounts counts)
        {
            counts = default;
            s_allocator = new FrameAllocator(bitmaps, words, 0, topPfn);
            for (int i = 0; i < free.Length; i++)
                AddBacked(free[i].Start, free[i].End, donors: false, ref counts);
            AddBacked(LinearMap.LazyStart, topPfn, donors: true, ref counts, backedRuns, backedRunsKnown);
            ReadOnlySpan<PfnRange> slots = extra.Slots;
            for (int i = 0; i < slots.Length; i++)
                if (slots[i].Count != 0) Check(s_allocator.AddUnpopulated(slots[i].Start, slots[i].Count), "add balloon space");
            s_allocator.SetPopulateHook(&Populate, null, budget);
            s_ready = true;
        }

        // Adds the runs of backed pfns in [start, end) as free: the runs given (memory setup's, from its plan) or,
        // without them, read from the p2m. With donors, every block keeps its first backed pfn out
        // (LinearMap.DonorOf) and is counted as deferred.
        private static void AddBacked(ulong start, ulong end, bool donors, ref LazyCounts counts, scoped ReadOnlySpan<PfnRange> runs = default, bool runsKnown = false)
        {
            if (runsKnown)
            {
                for (int i = 0; i < runs.Length; i++)
                {
                    ulong from = runs[i].Start > start ? runs[i].Start : start, to = runs[i].End < end ? runs[i].End : end;
                    if (from < to) AddRun(from, to, donors, ref counts);
                }
                return;
            }
            ulong pfn = start;
            while (pfn < end)
            {
                ulong run = P2m.BackedRunEnd(pfn, end);
                if (run == pfn) { pfn = P2m.UnbackedRunEnd(pfn, end); continue; }
                AddRun(pfn, run, donors, ref counts);
                pfn = run;
            }
        }

        private static void AddRun(ulong pfn, ulong run, bool donors, ref LazyCounts counts)
        {
            if (!donors)
            {
                Check(s_allocator.AddFree(pfn, run - pfn), "add free RAM");
                return;
            }
            // The first backed pfn of each block is its donor, kept out; the allocator writes its bitmaps for
            // the run when first needed.
            Check(s_allocator.AddFreeKeepingDonors(pfn, run - pfn, out ulong kept), "add free RAM");
            counts.Deferred += run - pfn;
            counts.Donors += kept;
        }

        // Writes a slice of the allocator's deferred bitmaps (16 blocks of 512 pages); false when none is left.
        internal static bool InitializeSome() => s_ready && s_allocator.InitializeSome(16);

        // One page, or null when memory (including what Xen may still give us) is exhausted.
        public static void* AllocatePage() => AllocatePages(1);

        public static void* AllocatePages(ulong count)
        {
            if (!s_ready) Panic.Fail("frames: used before memory setup");
            // Events masked: a handler that allocates must not enter the allocator halfway through a call (its
            // bitmaps are written on first use, and a nested call would write them again under the outer one).
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = Paravirt.IrqSave();
            FrameStatus status = count == 1 ? s_allocator.Allocate(out ulong pfn) : s_allocator.AllocateRun(count, out pfn);
            if (status == FrameStatus.Ok) LinearMap.EnsureMapped(pfn, count);
            ops.RestoreFlags(flags);
            if (status == FrameStatus.OutOfMemory) return null;
            Check(status, "allocate");
            return (void*)(pfn << XenConstants.PageShift);
        }

        public static void FreePage(void* page) => FreePages(page, 1);

        // Freeing what was not allocated (or twice) is a bug in the caller: fatal, with the address.
        public static void FreePages(void* first, ulong count)
        {
            ulong address = (ulong)first;
            if ((address & (AddressTranslation.PageSize - 1)) != 0) Fail("free of an unaligned address ", address);
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = Paravirt.IrqSave(); // as in AllocatePages
            FrameStatus status = s_allocator.FreeRun(address >> XenConstants.PageShift, count);
            ops.RestoreFlags(flags);
            if (status == FrameStatus.DoubleFree) Fail("double free of the page at ", address);
            if (status != FrameStatus.Ok) Fail("free of a page that is not ours at ", address);
        }

        // Balloon up: XENMEM_populate_physmap backs the pfns (Xen writes the new frames over the list), then
        // the p2m, the M2P and the linear mapping learn them.
        private static ulong Populate(void* context, ulong startPfn, ulong count)
        {
            Span<ulong> frames = stackalloc ulong[64]; // 128 updates: one bulk hypercall per round
            ulong done = 0;
            while (done < count)
            {
                int n = count - done < (ulong)frames.Length ? (int)(count - done) : frames.Length;
                for (int i = 0; i < n; i++) frames[i] = startPfn + done + (ulong)i;
                long got = MemorySetup.ChangeReservation(MemoryOp.PopulatePhysmap, frames.Slice(0, n));
                if (got < 0) Panic.HypercallFailed("memory_op(XENMEM_populate_physmap)", got);
                for (ulong pfn = startPfn + done; pfn < startPfn + done + (ulong)got; pfn = (pfn | (LinearMap.BlockPages - 1)) + 1)
                    LinearMap.EnsureBalloonTable(pfn);
                Multicalls.EnterBulk();
                for (int i = 0; i < (int)got; i++)
                {
                    ulong pfn = startPfn + done + (ulong)i, mfn = frames[i];
                    P2m.Set(pfn, mfn);
                    Multicalls.QueueMachineToPhysical(mfn, pfn);
                    ulong* entry = PageTableWalk.FindPte(pfn << XenConstants.PageShift);
                    if (entry == null) Panic.Fail("frames: balloon space without a page table");
                    Multicalls.QueuePageTableEntry(AddressTranslation.VirtualToMachine((ulong)entry), PageTableEntry.Make(mfn, LinearMap.DataFlags));
                }
                Multicalls.LeaveBulk();
                done += (ulong)got;
                if (got < n) break; // Xen has no more for us
            }
            return done;
        }

        private static void Check(FrameStatus status, string what)
        {
            if (status == FrameStatus.Ok) return;
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"frames: {what} failed with status {(int)status}");
            Panic.Fail(text.Text);
        }

        private static void Fail(string what, ulong address)
        {
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"frames: {what}0x{address:x}");
            Panic.Fail(text.Text);
        }
    }
}
