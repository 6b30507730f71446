using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Unikernel.Core.Memory;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The domain's p2m: the machine frame of each pseudo-physical frame, in Linux's encoding (Core's
    // P2mTable: INVALID for no backing, IDENTITY_FRAME for 1:1). A lookup only reads a table. From entry
    // that is Xen's start-of-day list (start_info.mfn_list, nr_pages entries); when memory setup has a plan
    // to carry out, it becomes a directory of 512-entry leaves (Core's P2mLeaves): the list's whole pages in
    // place, remapped whole pages taken over without a copy, one shared leaf for 1:1 ranges, fresh pages for
    // the rest, so no list of every page is copied or written. Pfns below s_lowSize (whose leaves are all
    // the list's own pages) read the list directly. Past the table a pfn reads as identity, as in Linux's
    // __pfn_to_mfn.
    internal static unsafe class P2m
    {
        private static ulong* s_table; // the start-of-day list
        private static ulong* s_directory, s_identityLeaf; // null: the list alone is the p2m
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

        // Past the list's leading in-place leaves: out of line, so the inlined lookup stays small.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ulong HighFrame(ulong pfn) =>
            s_directory == null ? (pfn < s_size ? s_table[pfn] : P2mTable.IdentityFrame(pfn)) : P2mLeaves.Get(s_directory, s_identityLeaf, s_size, pfn);

        public static bool IsBacked(ulong entry) => P2mTable.IsBacked(entry);

        // Pages Build needs in the reserve for a table of size entries.
        internal static ulong BuildPages(ulong size, ReadOnlySpan<MemoryOperation> plan)
        {
            if (P2mLeaves.StoragePages(plan, s_size, size, out ulong pages) != MemoryStatus.Ok) Panic.Fail("memory setup: the plan reaches beyond the p2m");
            return pages;
        }

        // Memory setup: the start-of-day list with the plan carried out on it (remapped frames at their new
        // pfns, holes identity, balloon space INVALID), size entries in all, its directory and new leaves in
        // storage (BuildPages pages, mapped).
        internal static void Build(ulong* storage, ulong size, ReadOnlySpan<MemoryOperation> plan)
        {
            if (P2mLeaves.Build(s_table, s_size, size, plan, storage, out ulong* directory, out ulong* identity, out ulong low) != MemoryStatus.Ok)
                Panic.Fail("memory setup: the plan reaches beyond the p2m");
            s_directory = directory;
            s_identityLeaf = identity;
            s_lowSize = low;
            s_size = size;
        }

        internal static void Set(ulong pfn, ulong mfn)
        {
            if (pfn < s_lowSize) s_table[pfn] = mfn;
            else SetHigh(pfn, mfn);
        }

        private static void SetHigh(ulong pfn, ulong mfn)
        {
            if (s_directory == null || pfn >= s_size) Panic.Fail("p2m: a write to a pfn it does not cover");
            ulong k = pfn / P2mLeaves.EntriesPerLeaf;
            bool missing = P2mLeaves.IsMissing(s_directory[k]);
            ulong* leaf = P2mLeaves.Writable(s_directory, s_identityLeaf, s_size, pfn);
            if (leaf == null) Panic.Fail("p2m: a write to a pfn it keeps 1:1");
            leaf[pfn % P2mLeaves.EntriesPerLeaf] = mfn;
            // A leaf filled on first write replaces the all-INVALID page the frame list named for it.
            if (missing && s_lists != null)
                s_lists[P2mFrameLists.EntriesPerPage + k] = FrameOf((ulong)leaf >> XenConstants.PageShift, "p2m: a page of the p2m has no machine frame");
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
            ulong leaves = lists.LeafPages, midPages = lists.MidPages; // properties that divide: out of the loops
            // Leaves: the list's own pages, or the directory's (a shared leaf is listed once per place it serves);
            // past them INVALID. One check for all, statics read once: a loop of a leaf per 2 MiB of pfns.
            ulong* directory = s_directory, table = s_table;
            ulong identity = (ulong)s_identityLeaf, low = s_lowSize, unbacked = 0;
            for (ulong leaf = 0; leaf < leaves; leaf++)
            {
                ulong page = directory == null ? (ulong)(table + leaf * P2mLeaves.EntriesPerLeaf) : directory[leaf];
                if (P2mLeaves.IsMissing(page)) page = identity; // an unfilled leaf reads as the all-INVALID one
                page >>= XenConstants.PageShift;
                ulong mfn = page < low ? table[page] : MachineFrame(page);
                unbacked |= mfn & (P2mTable.IdentityFrameBit | P2mTable.ForeignFrameBit); // INVALID has both
                mids[leaf] = mfn;
            }
            if (unbacked != 0) Panic.Fail("p2m: a page of the p2m has no machine frame");
            for (ulong i = leaves; i < midPages * P2mFrameLists.EntriesPerPage; i++) mids[i] = P2mTable.InvalidEntry;
            for (ulong i = midPages; i < P2mFrameLists.EntriesPerPage; i++) top[i] = P2mTable.InvalidEntry;
            ulong firstMid = (ulong)mids >> XenConstants.PageShift;
            for (ulong mid = 0; mid < midPages; mid++) top[mid] = FrameOf(firstMid + mid, "p2m: a frame list page has no machine frame");
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
