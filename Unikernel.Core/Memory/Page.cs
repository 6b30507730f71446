namespace Unikernel.Core.Memory
{
    // x86 4 KiB pages and the pfn helpers Linux names PFN_UP / PFN_DOWN / PFN_PHYS (include/linux/pfn.h).
    public static class Page
    {
        public const int Shift = 12;            // PAGE_SHIFT
        public const ulong Size = 1UL << Shift; // PAGE_SIZE
        public const ulong Mask = Size - 1;

        public static ulong PfnDown(ulong address) => address >> Shift;

        public static ulong PfnUp(ulong address) => (address >> Shift) + ((address & Mask) != 0 ? 1UL : 0UL);

        public static ulong ToAddress(ulong pfn) => pfn << Shift;

        public static ulong AlignUp(ulong address) => PfnUp(address) << Shift;

        public static ulong AlignDown(ulong address) => address & ~Mask;

        public static ulong Min(ulong a, ulong b) => a < b ? a : b;

        public static ulong Max(ulong a, ulong b) => a > b ? a : b;
    }
}
