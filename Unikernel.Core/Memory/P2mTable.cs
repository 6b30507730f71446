using System;

namespace Unikernel.Core.Memory
{
    // The pfn -> mfn table of a PV guest over caller storage, with Linux's entry encoding
    // (arch/x86/include/asm/xen/page.h): INVALID_P2M_ENTRY for no backing, IDENTITY_FRAME for 1:1
    // pfns, FOREIGN_FRAME for grants mapped from other domains. The table may be split in two spans, pfns
    // [0, low) in the first and [low, Size) in the second. It writes every entry: the reference the boot's
    // P2mLeaves, which does not, is tested against.
    public readonly ref struct P2mTable
    {
        public const ulong InvalidEntry = ~0UL;                    // INVALID_P2M_ENTRY
        public const ulong IdentityFrameBit = 1UL << (64 - 2);    // IDENTITY_FRAME_BIT = BITS_PER_LONG - 2
        public const ulong ForeignFrameBit = 1UL << (64 - 1);     // FOREIGN_FRAME_BIT = BITS_PER_LONG - 1

        private readonly Span<ulong> _low, _high;

        public P2mTable(Span<ulong> entries) : this(entries, default) { }

        public P2mTable(Span<ulong> low, Span<ulong> high)
        {
            _low = low;
            _high = high;
        }

        public ulong Size => (ulong)_low.Length + (ulong)_high.Length;

        private ref ulong At(ulong pfn) => ref pfn < (ulong)_low.Length ? ref _low[(int)pfn] : ref _high[(int)(pfn - (ulong)_low.Length)];

        // The entries from pfn up to the end of its span, at most count: bulk work goes a span at a time.
        private Span<ulong> Piece(ulong pfn, ulong count)
        {
            ulong low = (ulong)_low.Length;
            Span<ulong> piece = pfn < low ? _low.Slice((int)pfn) : _high.Slice((int)(pfn - low));
            return (ulong)piece.Length > count ? piece.Slice(0, (int)count) : piece;
        }

        public static ulong IdentityFrame(ulong pfn) => pfn | IdentityFrameBit;

        public static bool IsIdentity(ulong entry) => entry != InvalidEntry && (entry & IdentityFrameBit) != 0;

        public static bool IsForeign(ulong entry) => entry != InvalidEntry && (entry & ForeignFrameBit) != 0;

        // A real frame of our own: neither invalid, identity nor foreign.
        public static bool IsBacked(ulong entry) => entry != InvalidEntry && (entry & (IdentityFrameBit | ForeignFrameBit)) == 0;

        public void Clear()
        {
            _low.Fill(InvalidEntry);
            _high.Fill(InvalidEntry);
        }

        // Pfns beyond the table read as identity, as Linux's __pfn_to_mfn does past the p2m.
        public ulong Get(ulong pfn) => pfn < Size ? At(pfn) : IdentityFrame(pfn);

        // Like __set_phys_to_machine: beyond the table only the values it would read anyway are accepted.
        public bool Set(ulong pfn, ulong entry)
        {
            if (pfn < Size)
            {
                At(pfn) = entry;
                return true;
            }
            return entry == InvalidEntry || entry == IdentityFrame(pfn);
        }

        // Marks [start, start + count) 1:1 within the table; returns how many entries it set.
        public ulong SetIdentity(ulong start, ulong count)
        {
            ulong end = start >= Size ? start : (count > Size - start ? Size : start + count); // saturates, never wraps
            for (ulong pfn = start; pfn < end;)
            {
                Span<ulong> piece = Piece(pfn, end - pfn);
                ulong frame = IdentityFrame(pfn);
                WriteRun(piece, frame, 1);
                pfn += (ulong)piece.Length;
            }
            return end > start ? end - start : 0;
        }

        // value, value + step, ... over piece. Boot writes whole holes and the balloon space this way: four
        // entries a step, no bounds check per entry.
        private static unsafe void WriteRun(Span<ulong> piece, ulong value, ulong step)
        {
            fixed (ulong* first = piece)
            {
                ulong* p = first, end = first + piece.Length;
                for (; p + 4 <= end; p += 4, value += 4 * step)
                {
                    p[0] = value;
                    p[1] = value + step;
                    p[2] = value + 2 * step;
                    p[3] = value + 3 * step;
                }
                for (; p < end; p++, value += step) *p = value;
            }
        }

        public void SetRange(ulong start, ulong count, ulong entry)
        {
            if (start > Size || count > Size - start) throw new ArgumentOutOfRangeException(nameof(count), "range beyond the p2m table");
            Write(start, start + count, entry);
        }

        private void Write(ulong start, ulong end, ulong entry)
        {
            for (ulong pfn = start; pfn < end;)
            {
                Span<ulong> piece = Piece(pfn, end - pfn);
                WriteRun(piece, entry, 0);
                pfn += (ulong)piece.Length;
            }
        }

        // The initial state of a PV domain: pfns [0, pages) backed by consecutive frames from firstMfn
        // (the shape of a fresh start_info.mfn_list in tests), everything else INVALID.
        public void FillContiguous(ulong pages, ulong firstMfn)
        {
            Clear();
            ulong end = Page.Min(pages, Size);
            for (ulong pfn = 0; pfn < end; pfn++) At(pfn) = firstMfn + pfn;
        }

        // A PV domain's table before memory setup: Xen's start-of-day list (start_info.mfn_list) for the
        // first pfns, everything else INVALID. The first span may be the head of the list itself, in place:
        // then only what lies past it is copied.
        public void Load(ReadOnlySpan<ulong> startOfDay) => Load(startOfDay, default);

        // The same for a plan applied next: the entries past the list that its remaps write are left to them,
        // so boot writes each entry of a remapped hole's destination once.
        public void Load(ReadOnlySpan<ulong> startOfDay, ReadOnlySpan<MemoryOperation> plan)
        {
            int copied = (int)Page.Min((ulong)startOfDay.Length, (ulong)_low.Length);
            if (!InPlace(startOfDay.Slice(0, copied))) startOfDay.Slice(0, copied).CopyTo(_low);
            int tail = (int)Page.Min((ulong)(startOfDay.Length - copied), (ulong)_high.Length);
            startOfDay.Slice(copied, tail).CopyTo(_high);
            for (ulong pfn = (ulong)(copied + tail); pfn < Size;)
            {
                ulong next = Size, nextEnd = Size; // the lowest remap destination from pfn on
                foreach (ref readonly MemoryOperation op in plan)
                    if (op.Kind == MemoryOperationKind.Remap && op.Count != 0 && op.Destination >= pfn && op.Destination < next)
                    {
                        next = op.Destination;
                        nextEnd = op.Count < Size - next ? next + op.Count : Size;
                    }
                Write(pfn, next, InvalidEntry);
                pfn = nextEnd;
            }
        }

        private unsafe bool InPlace(ReadOnlySpan<ulong> head)
        {
            if (head.Length == 0) return true;
            fixed (ulong* list = head) fixed (ulong* low = _low) return list == low;
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
                    if (operation.Source < operation.Destination + operation.Count && operation.Destination < operation.Source + operation.Count)
                        return MemoryStatus.Overlap; // the planner moves pages out of holes into RAM: never onto themselves
                    // The planner makes a remap's source identity right after it: then each entry is written once.
                    bool identityNext = i + 1 < plan.Length && plan[i + 1].Kind == MemoryOperationKind.Identity
                        && plan[i + 1].Source == operation.Source && plan[i + 1].Count >= operation.Count;
                    Move(operation.Source, operation.Destination, operation.Count, clearSource: !identityNext);
                }
                else if (operation.Kind == MemoryOperationKind.Release)
                {
                    for (ulong k = 0; k < operation.Count; k++)
                    {
                        ref ulong entry = ref At(operation.Source + k);
                        if (!IsBacked(entry)) continue; // nothing to give back ("Make sure pfn exists")
                        if (record)
                        {
                            if (releasedCount == releasedMfns.Length) return MemoryStatus.OutputFull;
                            releasedMfns[releasedCount++] = entry;
                        }
                        entry = InvalidEntry;
                    }
                }
            }
            return MemoryStatus.Ok;
        }

        // Entries of [source, source + count) to the disjoint [destination, ...), the source left INVALID (unless
        // the caller overwrites it next), a span piece at a time: a remap moves a whole hole at boot.
        private void Move(ulong source, ulong destination, ulong count, bool clearSource)
        {
            for (ulong done = 0; done < count;)
            {
                Span<ulong> from = Piece(source + done, count - done), to = Piece(destination + done, count - done);
                int n = from.Length < to.Length ? from.Length : to.Length;
                from.Slice(0, n).CopyTo(to);
                if (clearSource) WriteRun(from.Slice(0, n), InvalidEntry, 0);
                done += (ulong)n;
            }
        }
    }
}
