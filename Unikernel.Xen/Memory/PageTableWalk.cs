using Unikernel.Core.Memory;
using Unikernel.Core.Paravirt;

namespace Unikernel.Xen
{
    // Finds the entries that map a virtual address by walking the 4-level tables from cr3. Entries hold
    // machine frames; each table is reached through the M2P and the linear mapping (virtual = pseudo-physical),
    // which covers Xen's start-of-day tables and, after memory setup, ours.
    internal static unsafe class PageTableWalk
    {
        // The level-1 entry of a 4 KiB page, or null if a level above is absent or maps a large page.
        public static ulong* FindPte(ulong virtualAddress)
        {
            ulong table = Paravirt.Ops.ReadCr3() & PageTableEntry.FrameMask;
            for (int level = 4; level >= 1; level--)
            {
                ulong* entry = (ulong*)AddressTranslation.MachineFrameToVirtual(table >> 12) + PageTableEntry.Index(virtualAddress, level);
                if (level == 1) return entry;
                if (!PageTableEntry.IsPresent(*entry) || (*entry & PageTableEntry.LargePage) != 0) return null;
                table = *entry & PageTableEntry.FrameMask;
            }
            return null;
        }
    }
}
