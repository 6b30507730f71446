using System;

namespace Unikernel.Core.Memory
{
    // Checks that what the domain builder placed in memory (kernel image, p2m list, initial module, ...)
    // sits in RAM of the map, and finds somewhere else to move it if not. After Linux's
    // xen_is_e820_reserved, xen_chk_is_e820_usable and xen_find_free_area (arch/x86/xen/setup.c).
    public static class MemoryCollisions
    {
        // Index of the first item that is not wholly inside one RAM entry, or -1 if all are.
        public static int FindFirstOutsideRam(MemoryMap map, ReadOnlySpan<PhysicalRange> items)
        {
            for (int i = 0; i < items.Length; i++)
                if (!map.IsRam(items[i].Address, items[i].Size)) return i;
            return -1;
        }

        // Finds the lowest page-aligned address where size bytes fit inside one RAM entry without
        // overlapping any inUse range. False if there is no such place (Linux returns 0 then).
        public static bool TryFindFreeArea(MemoryMap map, ulong size, ReadOnlySpan<PhysicalRange> inUse, out ulong address)
        {
            address = 0;
            if (size == 0) return false;
            for (int i = 0; i < map.Count; i++)
            {
                ref readonly MemoryRegion entry = ref map[i];
                if (entry.Type != MemoryType.Ram || entry.Size < size) continue;
                ulong candidate = Page.AlignUp(entry.Address);
                while (candidate <= entry.End && entry.End - candidate >= size)
                {
                    int blocker = FirstOverlap(inUse, candidate, size);
                    if (blocker < 0)
                    {
                        address = candidate;
                        return true;
                    }
                    // Skip past what is in the way; anything in between would overlap it too.
                    ulong next = Page.AlignUp(inUse[blocker].End);
                    if (next <= candidate) break; // the blocker reaches the top of the address space
                    candidate = next;
                }
            }
            return false;
        }

        private static int FirstOverlap(ReadOnlySpan<PhysicalRange> ranges, ulong address, ulong size)
        {
            for (int i = 0; i < ranges.Length; i++)
                if (ranges[i].Overlaps(address, size)) return i;
            return -1;
        }
    }
}
