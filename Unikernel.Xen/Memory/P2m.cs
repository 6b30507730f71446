using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Unikernel.Core.Memory;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The domain's p2m: the machine frame of each pseudo-physical frame, in Linux's encoding (Core's
    // P2mTable: INVALID for no backing, IDENTITY_FRAME for 1:1). A lookup only reads a table. From entry
    // that is Xen's start-of-day list (start_info.mfn_list, nr_pages entries); memory setup then carries
    // out its plan on the table, in two parts: the list's whole pages in place (pfns below s_lowSize) and a
    // second table for the pfns after them (the list's tail, remapped pages, balloon space), so no list of
    // every page is copied. Past the table a pfn reads as identity, as in Linux's __pfn_to_mfn.
    internal static unsafe class P2m
    {
        private static ulong* s_table, s_high; // s_high: entries from pfn s_lowSize on (null: none)
        private static ulong s_lowSize, s_size;
        public static ulong Size => s_size;

        internal static void UseStartOfDayList(StartInfo* startInfo)
        {
            s_table = (ulong*)startInfo->MfnList;
            s_size = s_lowSize = startInfo->NrPages;
        }

        // End of the run of backed pfns from pfn (pfn itself if it is not backed), at most end.
        public static ulong BackedRunEnd(ulong pfn, ulong end)
        {
            while (pfn < end && IsBacked(MachineFrame(pfn))) pfn++;
            return pfn;
        }

        // End of the run of pfns from pfn that are not backed, at most end.
        public static ulong UnbackedRunEnd(ulong pfn, ulong end)
        {
            while (pfn < end && !IsBacked(MachineFrame(pfn))) pfn++;
            return pfn;
        }

        // Every set_pte translates its entry's address through here: inlined.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MachineFrame(ulong pfn) => pfn < s_lowSize ? s_table[pfn] : HighFrame(pfn);

        // Past the start-of-day list's whole pages: out of line, so the inlined lookup stays small.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ulong HighFrame(ulong pfn) => pfn < s_size ? s_high[pfn - s_lowSize] : P2mTable.IdentityFrame(pfn);

        public static bool IsBacked(ulong entry) => P2mTable.IsBacked(entry);

        // Pfns the start-of-day list keeps in place: its whole pages (each a leaf of the published frame list).
        internal static ulong InPlacePfns(ulong nrPages) => nrPages & ~(P2mFrameLists.EntriesPerPage - 1);

        // Memory setup: the start-of-day list with the plan carried out on it (remapped frames at their new
        // pfns, holes identity, balloon space INVALID), size entries in all; pfns from InPlacePfns on go to
        // high (mapped, page-aligned, size - InPlacePfns entries).
        internal static void Build(ulong* high, ulong size, ReadOnlySpan<MemoryOperation> plan)
        {
            ulong low = InPlacePfns(s_size);
            var table = new P2mTable(new Span<ulong>(s_table, (int)low), new Span<ulong>(high, (int)(size - low)));
            table.Load(new ReadOnlySpan<ulong>(s_table, (int)s_size), plan);
            if (table.Apply(plan) != MemoryStatus.Ok) Panic.Fail("memory setup: the plan reaches beyond the p2m");
            s_high = high;
            s_lowSize = low;
            s_size = size;
        }

        internal static void Set(ulong pfn, ulong mfn)
        {
            if (pfn < s_lowSize) s_table[pfn] = mfn;
            else s_high[pfn - s_lowSize] = mfn;
        }

        private static ulong* s_lists; // the top page, then the mid pages (P2mFrameLists)
        public static ulong FrameListPages => s_lists == null ? 0 : 1 + new P2mFrameLists(s_size).MidPages;

        // Publishes the p2m for the toolstack's save (libxenguest map_p2m_tree): arch.max_pfn and the
        // three-level frame list. Leaves are the table's own pages, which never move after memory setup
        // (ballooning only writes entries, read live by the save), so the lists change only with the
        // frames under them: at boot and after a restore, when every mfn is new.
        internal static void PublishFrameLists()
        {
            var lists = new P2mFrameLists(s_size);
            if (!lists.Fits) Panic.Fail("p2m: too large for one frame list list page (over 512 GiB of pfns)");
            if (s_lists == null)
            {
                s_lists = (ulong*)FramePool.AllocatePages(1 + lists.MidPages);
                if (s_lists == null) Panic.Fail("p2m: no pages for the frame lists");
            }
            ulong* top = s_lists, mids = s_lists + P2mFrameLists.EntriesPerPage;
            for (ulong i = 0; i < (1 + lists.MidPages) * P2mFrameLists.EntriesPerPage; i++) s_lists[i] = P2mTable.InvalidEntry;
            // Leaves: the list's pages kept in place, then the second table's.
            ulong firstLeaf = (ulong)s_table >> XenConstants.PageShift, lowLeaves = s_high == null ? lists.LeafPages : s_lowSize / P2mFrameLists.EntriesPerPage;
            ulong firstHighLeaf = (ulong)s_high >> XenConstants.PageShift;
            for (ulong leaf = 0; leaf < lists.LeafPages; leaf++)
                mids[leaf] = FrameOf(leaf < lowLeaves ? firstLeaf + leaf : firstHighLeaf + (leaf - lowLeaves), "p2m: a page of the p2m has no machine frame");
            ulong firstMid = (ulong)mids >> XenConstants.PageShift;
            for (ulong mid = 0; mid < lists.MidPages; mid++) top[mid] = FrameOf(firstMid + mid, "p2m: a frame list page has no machine frame");
            SharedInfo* shared = SharedInfoPage.Page;
            shared->MaxPfn = s_size;
            Volatile.Write(ref shared->PfnToMfnFrameListList, FrameOf((ulong)top >> XenConstants.PageShift, "p2m: the frame list list page has no machine frame"));
        }

        private static ulong FrameOf(ulong pfn, string what)
        {
            ulong mfn = MachineFrame(pfn);
            if (!IsBacked(mfn)) Panic.Fail(what);
            return mfn;
        }
    }
}
