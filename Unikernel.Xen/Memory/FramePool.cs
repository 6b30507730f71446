using System;
using Unikernel.Core.Memory;
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

        // The allocator's bitmaps are in pages memory setup reserved (mapped by now); the free ranges hold RAM
        // to hand out and, where unbacked, balloon space.
        internal static void Initialize(ulong* bitmaps, ulong words, ulong topPfn, scoped ReadOnlySpan<PfnRange> free, ref ExtraMemory extra, ulong budget)
        {
            s_allocator = new FrameAllocator(bitmaps, words, 0, topPfn);
            for (int i = 0; i < free.Length; i++)
            {
                ulong pfn = free[i].Start, end = free[i].End;
                while (pfn < end)
                {
                    bool backed = P2m.IsBacked(P2m.MachineFrame(pfn));
                    bool balloon = !backed && extra.Contains(pfn);
                    ulong run = pfn;
                    while (run < end && P2m.IsBacked(P2m.MachineFrame(run)) == backed && (backed || extra.Contains(run) == balloon)) run++;
                    if (backed) Check(s_allocator.AddFree(pfn, run - pfn), "add free RAM");
                    else if (balloon) Check(s_allocator.AddUnpopulated(pfn, run - pfn), "add balloon space");
                    pfn = run;
                }
            }
            s_allocator.SetPopulateHook(&Populate, null, budget);
            s_ready = true;
        }

        // One page, or null when memory (including what Xen may still give us) is exhausted.
        public static void* AllocatePage() => AllocatePages(1);

        public static void* AllocatePages(ulong count)
        {
            if (!s_ready) Panic.Fail("frames: used before memory setup");
            FrameStatus status = count == 1 ? s_allocator.Allocate(out ulong pfn) : s_allocator.AllocateRun(count, out pfn);
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
            FrameStatus status = s_allocator.FreeRun(address >> XenConstants.PageShift, count);
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
