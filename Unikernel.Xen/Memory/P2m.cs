using System;
using System.Runtime.CompilerServices;
using Unikernel.Core.Memory;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The domain's p2m: the machine frame of each pseudo-physical frame, in Linux's encoding (Core's
    // P2mTable: INVALID for no backing, IDENTITY_FRAME for 1:1). A lookup only reads a table. From entry
    // that is Xen's start-of-day list (start_info.mfn_list, nr_pages entries); memory setup then builds the
    // full table from that list and its plan, and installs it before it moves, releases or unmaps anything,
    // so the list is right for as long as it is read. Past the table a pfn reads as identity, as in Linux's
    // __pfn_to_mfn.
    internal static unsafe class P2m
    {
        private static ulong* s_table;
        private static ulong s_size;
        public static ulong Size => s_size;

        internal static void UseStartOfDayList(StartInfo* startInfo)
        {
            s_table = (ulong*)startInfo->MfnList;
            s_size = startInfo->NrPages;
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
        public static ulong MachineFrame(ulong pfn) => pfn < s_size ? s_table[pfn] : P2mTable.IdentityFrame(pfn);

        public static bool IsBacked(ulong entry) => P2mTable.IsBacked(entry);

        // Memory setup: the full table over storage (size entries, mapped) is the start-of-day list with the
        // plan carried out on it (remapped frames at their new pfns, holes identity, balloon space INVALID).
        internal static void Build(ulong* storage, ulong size, ReadOnlySpan<MemoryOperation> plan)
        {
            var table = new P2mTable(new Span<ulong>(storage, (int)size));
            table.Load(new ReadOnlySpan<ulong>(s_table, (int)s_size));
            if (table.Apply(plan) != MemoryStatus.Ok) Panic.Fail("memory setup: the plan reaches beyond the p2m");
            s_table = storage;
            s_size = size;
        }

        internal static void Set(ulong pfn, ulong mfn) => s_table[pfn] = mfn;
    }
}
