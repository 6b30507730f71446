namespace Unikernel.Core.Memory
{
    // x86-64 4-level page-table entries (Intel SDM vol. 3, 4.5; Linux's pgtable_types.h names).
    public static class PageTableEntry
    {
        public const ulong Present = 1UL << 0;      // _PAGE_PRESENT
        public const ulong Writable = 1UL << 1;     // _PAGE_RW
        public const ulong User = 1UL << 2;         // _PAGE_USER
        public const ulong Accessed = 1UL << 5;     // _PAGE_ACCESSED
        public const ulong Dirty = 1UL << 6;        // _PAGE_DIRTY
        public const ulong LargePage = 1UL << 7;    // _PAGE_PSE
        public const ulong NoExecute = 1UL << 63;   // _PAGE_NX
        public const ulong FrameMask = 0x000F_FFFF_FFFF_F000; // physical (machine) frame bits 12-51
        public const int EntriesPerTable = 512;

        public static ulong Frame(ulong entry) => (entry & FrameMask) >> Page.Shift;
        public static ulong Flags(ulong entry) => entry & ~FrameMask;
        public static ulong Make(ulong frame, ulong flags) => (frame << Page.Shift) | (flags & ~FrameMask);
        public static bool IsPresent(ulong entry) => (entry & Present) != 0;

        // Index of a virtual address in the table of a level (1 = the 4 KiB entries, 4 = the root).
        public static int Index(ulong virtualAddress, int level) => (int)((virtualAddress >> (Page.Shift + 9 * (level - 1))) & 511);

        // Bytes of address space one entry of a level covers.
        public static ulong Span(int level) => 1UL << (Page.Shift + 9 * (level - 1));

        // What a setup-time update may write over an existing entry (Linux's mask_rw_pte in mmu_pv.c): it never
        // makes a read-only page writable, because the read-only pages at that point are the hypervisor's page
        // tables, and the hypervisor would refuse the update.
        public static ulong ForSetup(ulong existing, ulong wanted)
        {
            if (IsPresent(existing) && (existing & Writable) == 0) return wanted & ~Writable;
            return wanted;
        }
    }
}
