using System;

namespace Unikernel.Core.Memory
{
    // The pfn -> mfn table of a PV guest over caller storage, with Linux's entry encoding
    // (arch/x86/include/asm/xen/page.h): INVALID_P2M_ENTRY for no backing, IDENTITY_FRAME for 1:1
    // pfns, FOREIGN_FRAME for grants mapped from other domains.
    public readonly ref struct P2mTable
    {
        public const ulong InvalidEntry = ~0UL;                    // INVALID_P2M_ENTRY
        public const ulong IdentityFrameBit = 1UL << (64 - 2);    // IDENTITY_FRAME_BIT = BITS_PER_LONG - 2
        public const ulong ForeignFrameBit = 1UL << (64 - 1);     // FOREIGN_FRAME_BIT = BITS_PER_LONG - 1

        private readonly Span<ulong> _entries;

        public P2mTable(Span<ulong> entries) => _entries = entries;

        public ulong Size => (ulong)_entries.Length;

        public static ulong IdentityFrame(ulong pfn) => pfn | IdentityFrameBit;

        public static bool IsIdentity(ulong entry) => entry != InvalidEntry && (entry & IdentityFrameBit) != 0;

        public static bool IsForeign(ulong entry) => entry != InvalidEntry && (entry & ForeignFrameBit) != 0;

        // A real frame of our own: neither invalid, identity nor foreign.
        public static bool IsBacked(ulong entry) => entry != InvalidEntry && (entry & (IdentityFrameBit | ForeignFrameBit)) == 0;

        public void Clear() => _entries.Fill(InvalidEntry);

        // Pfns beyond the table read as identity, as Linux's __pfn_to_mfn does past the p2m.
        public ulong Get(ulong pfn) => pfn < Size ? _entries[(int)pfn] : IdentityFrame(pfn);

        // Like __set_phys_to_machine: beyond the table only the values it would read anyway are accepted.
        public bool Set(ulong pfn, ulong entry)
        {
            if (pfn < Size)
            {
                _entries[(int)pfn] = entry;
                return true;
            }
            return entry == InvalidEntry || entry == IdentityFrame(pfn);
        }

        // Marks [start, start + count) 1:1 within the table; returns how many entries it set.
        public ulong SetIdentity(ulong start, ulong count)
        {
            ulong end = start >= Size ? start : (count > Size - start ? Size : start + count); // saturates, never wraps
            ulong set = 0;
            for (ulong pfn = start; pfn < end; pfn++, set++) _entries[(int)pfn] = IdentityFrame(pfn);
            return set;
        }

        public void SetRange(ulong start, ulong count, ulong entry)
        {
            if (start > Size || count > Size - start) throw new ArgumentOutOfRangeException(nameof(count), "range beyond the p2m table");
            _entries.Slice((int)start, (int)count).Fill(entry);
        }

        // The initial state of a PV domain: pfns [0, pages) backed by consecutive frames from firstMfn
        // (the shape of a fresh start_info.mfn_list in tests), everything else INVALID.
        public void FillContiguous(ulong pages, ulong firstMfn)
        {
            Clear();
            ulong end = Page.Min(pages, Size);
            for (ulong pfn = 0; pfn < end; pfn++) _entries[(int)pfn] = firstMfn + pfn;
        }

        // A PV domain's table before memory setup: Xen's start-of-day list (start_info.mfn_list) for the
        // first pfns, everything else INVALID.
        public void Load(ReadOnlySpan<ulong> startOfDay)
        {
            int copied = (int)Page.Min((ulong)startOfDay.Length, Size);
            startOfDay.Slice(0, copied).CopyTo(_entries);
            _entries.Slice(copied).Fill(InvalidEntry); // each entry written once: boot copies a list of every page
        }

        // The runs of backed pfns, in order, that Apply leaves in [0, limit) of a table loaded with initialPages
        // backed frames: computed from the plan alone, so boot hands RAM to its allocator without reading the
        // table a page at a time. OutputFull when output is too small, Overlap when a remap overlaps itself.
        public static MemoryStatus BackedRanges(ReadOnlySpan<MemoryOperation> plan, ulong initialPages, ulong limit, Span<PfnRange> output, out int count)
        {
            count = 0;
            var set = new RangeSet(output);
            if (!set.Add(0, Page.Min(initialPages, limit))) return MemoryStatus.OutputFull;
            for (int i = 0; i < plan.Length; i++)
            {
                MemoryOperation op = plan[i];
                if (op.Kind == MemoryOperationKind.Remap)
                {
                    if (op.Source < op.Destination + op.Count && op.Destination < op.Source + op.Count) return MemoryStatus.Overlap;
                    // Destinations take the sources' state (backed or not), then the sources are left unbacked.
                    if (!set.Subtract(op.Destination, op.Count)) return MemoryStatus.OutputFull;
                    int n = set.Count;
                    for (int k = 0; k < n; k++)
                    {
                        PfnRange r = output[k];
                        ulong start = r.Start > op.Source ? r.Start : op.Source, end = r.End < op.Source + op.Count ? r.End : op.Source + op.Count;
                        if (start >= end) continue;
                        ulong to = op.Destination + (start - op.Source);
                        if (to >= limit) continue;
                        if (!set.Add(to, Page.Min(end - start, limit - to))) return MemoryStatus.OutputFull;
                    }
                    if (!set.Subtract(op.Source, op.Count)) return MemoryStatus.OutputFull;
                }
                else if (!set.Subtract(op.Source, op.Count)) return MemoryStatus.OutputFull; // identity or released
            }
            count = set.Count;
            return MemoryStatus.Ok;
        }

        // Sorted, disjoint, merged pfn ranges over caller storage.
        private ref struct RangeSet
        {
            private readonly Span<PfnRange> _ranges;
            public int Count;

            public RangeSet(Span<PfnRange> storage) { _ranges = storage; Count = 0; }

            public bool Add(ulong start, ulong count)
            {
                if (count == 0) return true;
                ulong end = start + count;
                int i = 0;
                while (i < Count && _ranges[i].End < start) i++;
                // Merge every range that touches [start, end).
                int j = i;
                while (j < Count && _ranges[j].Start <= end)
                {
                    if (_ranges[j].Start < start) start = _ranges[j].Start;
                    if (_ranges[j].End > end) end = _ranges[j].End;
                    j++;
                }
                int removed = j - i;
                if (removed == 0)
                {
                    if (Count == _ranges.Length) return false;
                    for (int k = Count; k > i; k--) _ranges[k] = _ranges[k - 1];
                    Count++;
                }
                else
                {
                    for (int k = j; k < Count; k++) _ranges[k - removed + 1] = _ranges[k];
                    Count -= removed - 1;
                }
                _ranges[i] = new PfnRange(start, end - start);
                return true;
            }

            public bool Subtract(ulong start, ulong count)
            {
                if (count == 0) return true;
                ulong end = start + count;
                for (int i = 0; i < Count; i++)
                {
                    PfnRange r = _ranges[i];
                    if (r.End <= start || r.Start >= end) continue;
                    bool keepLow = r.Start < start, keepHigh = r.End > end;
                    if (keepLow && keepHigh)
                    {
                        if (Count == _ranges.Length) return false;
                        for (int k = Count; k > i + 1; k--) _ranges[k] = _ranges[k - 1];
                        Count++;
                        _ranges[i] = new PfnRange(r.Start, start - r.Start);
                        _ranges[i + 1] = new PfnRange(end, r.End - end);
                        return true;
                    }
                    if (keepLow) _ranges[i] = new PfnRange(r.Start, start - r.Start);
                    else if (keepHigh) _ranges[i] = new PfnRange(end, r.End - end);
                    else
                    {
                        for (int k = i + 1; k < Count; k++) _ranges[k - 1] = _ranges[k];
                        Count--;
                        i--;
                    }
                }
                return true;
            }
        }

        // Carries out the plan on the table alone (no hypercalls). Released mfns are recorded in
        // releasedMfns, which must have room for them all.
        public MemoryStatus Apply(ReadOnlySpan<MemoryOperation> plan, Span<ulong> releasedMfns, out int releasedCount) =>
            Apply(plan, releasedMfns, record: true, out releasedCount);

        // The same, for a caller that finds the released mfns itself (in the table it loaded from).
        public MemoryStatus Apply(ReadOnlySpan<MemoryOperation> plan) => Apply(plan, default, record: false, out _);

        private MemoryStatus Apply(ReadOnlySpan<MemoryOperation> plan, Span<ulong> releasedMfns, bool record, out int releasedCount)
        {
            releasedCount = 0;
            for (int i = 0; i < plan.Length; i++)
            {
                MemoryOperation operation = plan[i];
                if (operation.Kind == MemoryOperationKind.Identity)
                {
                    SetIdentity(operation.Source, operation.Count);
                    continue;
                }
                if (operation.Source > Size || operation.Count > Size - operation.Source) return MemoryStatus.OutOfRange;
                if (operation.Kind == MemoryOperationKind.Remap)
                {
                    if (operation.Destination > Size || operation.Count > Size - operation.Destination) return MemoryStatus.OutOfRange;
                    for (ulong k = 0; k < operation.Count; k++)
                    {
                        int source = (int)(operation.Source + k), destination = (int)(operation.Destination + k);
                        _entries[destination] = _entries[source];
                        _entries[source] = InvalidEntry;
                    }
                }
                else if (operation.Kind == MemoryOperationKind.Release)
                {
                    for (ulong k = 0; k < operation.Count; k++)
                    {
                        int pfn = (int)(operation.Source + k);
                        ulong entry = _entries[pfn];
                        if (!IsBacked(entry)) continue; // nothing to give back ("Make sure pfn exists")
                        if (record)
                        {
                            if (releasedCount == releasedMfns.Length) return MemoryStatus.OutputFull;
                            releasedMfns[releasedCount++] = entry;
                        }
                        _entries[pfn] = InvalidEntry;
                    }
                }
            }
            return MemoryStatus.Ok;
        }
    }
}
