using Unikernel.Core.Paravirt;

namespace Unikernel.Xen
{
    // Finds the entries that map a virtual address by walking the 4-level tables from cr3. Entries hold
    // machine frames; each table is reached through the M2P and the start-of-day mapping, so this covers
    // the tables Xen built (which all live in that mapping).
    public static unsafe class PageTableWalk
    {
        public const ulong Present = 1;                         // _PAGE_PRESENT
        public const ulong Writable = 2;                        // _PAGE_RW
        public const ulong LargePage = 0x80;                    // _PAGE_PSE
        public const ulong FrameMask = 0x000F_FFFF_FFFF_F000;   // bits 12-51: the frame

        // The level-1 entry of a 4 KiB page, or null if a level above is absent or maps a large page.
        public static ulong* FindPte(ulong virtualAddress)
        {
            ulong table = Paravirt.Ops.ReadCr3() & FrameMask;
            for (int level = 4; level >= 1; level--)
            {
                int index = (int)((virtualAddress >> (12 + 9 * (level - 1))) & 511);
                ulong* entry = (ulong*)Memory.MachineFrameToVirtual(table >> 12) + index;
                if (level == 1) return entry;
                if ((*entry & Present) == 0 || (*entry & LargePage) != 0) return null;
                table = *entry & FrameMask;
            }
            return null;
        }
    }
}
