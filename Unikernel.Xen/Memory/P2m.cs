using Unikernel.Core.Memory;

namespace Unikernel.Xen
{
    // The domain's p2m: machine frame of each pseudo-physical frame, with Linux's INVALID and IDENTITY
    // markers. Until memory setup has built the full table it answers from Xen's start-of-day list
    // (start_info.mfn_list, nr_pages entries) and the setup plan.
    internal static unsafe class P2m
    {
        private static ulong* s_table;
        private static ulong s_size;

        public static ulong Size => s_size;
        public static bool IsBuilt => s_table != null;

        // Every set_pte translates its entry's address through here: the common case inlines.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static ulong MachineFrame(ulong pfn)
        {
            if (s_table != null && pfn < s_size) return s_table[pfn];
            return MachineFrameSlow(pfn);
        }

        private static ulong MachineFrameSlow(ulong pfn) =>
            s_table != null ? P2mTable.IdentityFrame(pfn) : MemorySetup.PlannedMachineFrame(pfn);

        public static bool IsBacked(ulong entry) => entry != P2mTable.InvalidEntry && (entry & P2mTable.IdentityFrameBit) == 0;

        internal static void Install(ulong* table, ulong size)
        {
            s_table = table;
            s_size = size;
        }

        internal static void Set(ulong pfn, ulong mfn) => s_table[pfn] = mfn;
    }
}
