using System;

namespace Unikernel.Core.Memory
{
    // Pfn ranges beyond the initial allocation that the domain may populate later (the balloon's space),
    // after Linux's xen_extra_mem[] with xen_add_extra_mem / xen_del_extra_mem (arch/x86/xen/setup.c).
    // Fixed capacity over caller storage; a slot with Count 0 is free. Extra pfns are INVALID in the p2m.
    public ref struct ExtraMemory
    {
        // XEN_EXTRA_MEM_MAX_REGIONS, arch/x86/xen/setup.c; a sensible size for the caller's storage.
        public const int DefaultCapacity = 128;

        private readonly Span<PfnRange> _slots;

        public ExtraMemory(Span<PfnRange> storage)
        {
            _slots = storage;
            _slots.Clear();
        }

        public int Capacity => _slots.Length;

        public ReadOnlySpan<PfnRange> Slots => _slots;

        public ulong TotalPages
        {
            get
            {
                ulong total = 0;
                for (int i = 0; i < _slots.Length; i++) total += _slots[i].Count;
                return total;
            }
        }

        // Extends the region that ends at start, or takes a free slot. False if every slot is taken.
        public bool Add(ulong start, ulong count)
        {
            if (count == 0) return true;
            int free = -1;
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_slots[i].Count == 0)
                {
                    if (free < 0) free = i;
                    continue;
                }
                if (_slots[i].End == start)
                {
                    _slots[i].Count += count;
                    return true;
                }
            }
            if (free < 0) return false;
            _slots[free] = new PfnRange(start, count);
            return true;
        }

        // Removes [start, start + count), which must lie inside one region: trims its start or end, or
        // splits it in two. False if no region holds the whole range, or a split needs a slot there is none of.
        public bool Remove(ulong start, ulong count)
        {
            if (count == 0) return true;
            for (int i = 0; i < _slots.Length; i++)
            {
                PfnRange region = _slots[i];
                if (region.Count == 0 || start < region.Start || start >= region.End) continue;
                if (count > region.End - start) return false;
                ulong end = start + count;
                if (start == region.Start)
                {
                    _slots[i].Start += count;
                    _slots[i].Count -= count;
                }
                else if (end == region.End)
                {
                    _slots[i].Count -= count;
                }
                else
                {
                    int free = FreeSlot();
                    if (free < 0) return false;
                    _slots[i].Count = start - region.Start;
                    _slots[free] = new PfnRange(end, region.End - end);
                }
                return true;
            }
            return false;
        }

        // The region with the lowest start, or false if there is none.
        public bool TryGetLowest(out PfnRange lowest)
        {
            lowest = default;
            bool found = false;
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_slots[i].Count == 0) continue;
                if (!found || _slots[i].Start < lowest.Start) lowest = _slots[i];
                found = true;
            }
            return found;
        }

        public bool Contains(ulong pfn)
        {
            for (int i = 0; i < _slots.Length; i++)
                if (_slots[i].Contains(pfn)) return true;
            return false;
        }

        // One past the highest extra pfn, or 0 if there is none.
        public ulong EndPfn()
        {
            ulong end = 0;
            for (int i = 0; i < _slots.Length; i++)
                if (_slots[i].Count != 0 && _slots[i].End > end) end = _slots[i].End;
            return end;
        }

        // Regions in address order, free slots last (insertion sort: a few regions).
        public void Sort()
        {
            for (int i = 1; i < _slots.Length; i++)
            {
                PfnRange region = _slots[i];
                int j = i - 1;
                while (j >= 0 && Before(region, _slots[j]))
                {
                    _slots[j + 1] = _slots[j];
                    j--;
                }
                _slots[j + 1] = region;
            }
        }

        private static bool Before(PfnRange a, PfnRange b) => a.Count != 0 && (b.Count == 0 || a.Start < b.Start);

        private int FreeSlot()
        {
            for (int i = 0; i < _slots.Length; i++)
                if (_slots[i].Count == 0) return i;
            return -1;
        }
    }
}
