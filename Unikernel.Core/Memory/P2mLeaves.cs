using System;
using System.Runtime.CompilerServices;

namespace Unikernel.Core.Memory
{
    // The p2m as a directory of 512-entry leaves (the pages the frame lists publish), built from Xen's
    // start-of-day list and the plan without writing the moved or 1:1 ranges entry by entry, as Linux's
    // arch/x86/xen/p2m.c shares its identity and missing leaves. Each leaf is one of:
    //   - in place: a whole page of the start-of-day list, with only the entries the plan changes rewritten;
    //   - identity: every pfn of it is 1:1; the one shared identity leaf (filled INVALID, as a save or restore
    //     that reads it should see no frames; lookups read identity from the directory, not from it);
    //   - alias: a whole remapped leaf whose source is a whole list page that became identity: that page
    //     itself, so the entries move without a copy;
    //   - missing: all INVALID (balloon space): a page of the caller's set aside, filled when first written;
    //   - fresh: a page of the caller's, filled (the list's tail, ragged edges).
    // The result reads exactly as P2mTable.Load + Apply for the plans the planner makes (host-tested).
    public static unsafe class P2mLeaves
    {
        public const ulong EntriesPerLeaf = P2mFrameLists.EntriesPerPage;
        private const int LeafShift = 9;

        public static ulong LeafCount(ulong size) => (size + EntriesPerLeaf - 1) / EntriesPerLeaf;

        // Pages of the directory (a leaf's address per leaf).
        public static ulong DirectoryPages(ulong size) => (LeafCount(size) * sizeof(ulong) + Page.Size - 1) / Page.Size;

        // Pages Build needs from its caller: the directory, the shared identity leaf, the fresh and missing leaves.
        public static MemoryStatus StoragePages(ReadOnlySpan<MemoryOperation> plan, ulong nrPages, ulong size, out ulong pages)
        {
            pages = 0;
            MemoryStatus status = Check(plan, size);
            if (status != MemoryStatus.Ok) return status;
            ulong fresh = Walk(null, nrPages, size, plan, null, null, null, fixups: false, out _);
            pages = DirectoryPages(size) + 1 + fresh;
            return MemoryStatus.Ok;
        }

        // Builds the table in storage (StoragePages pages, page-aligned) over list, Xen's start-of-day list of
        // nrPages entries, whose whole pages become leaves in place. inPlaceEnd: the pfns below it read straight
        // from the list (every leaf below is in place), the fast path of a lookup.
        public static MemoryStatus Build(ulong* list, ulong nrPages, ulong size, ReadOnlySpan<MemoryOperation> plan, ulong* storage,
            out ulong* directory, out ulong* identityLeaf, out ulong inPlaceEnd)
        {
            directory = storage;
            identityLeaf = storage + DirectoryPages(size) * EntriesPerLeaf;
            inPlaceEnd = 0;
            MemoryStatus status = Check(plan, size);
            if (status != MemoryStatus.Ok) return status;
            for (ulong i = 0; i < EntriesPerLeaf; i++) identityLeaf[i] = P2mTable.InvalidEntry;
            // Fresh leaves first: they copy remapped entries from the list before in-place leaves change it.
            Walk(list, nrPages, size, plan, directory, identityLeaf, identityLeaf + EntriesPerLeaf, fixups: false, out inPlaceEnd);
            Walk(list, nrPages, size, plan, directory, identityLeaf, null, fixups: true, out _);
            return MemoryStatus.Ok;
        }

        // A directory entry of a leaf of INVALID entries whose page (the address) is not filled yet, as Linux's
        // p2m_missing: a run of balloon space costs no writes until something is populated in it.
        public const ulong MissingTag = 1;

        public static bool IsMissing(ulong directoryEntry) => (directoryEntry & MissingTag) != 0;

        public static ulong Get(ulong* directory, ulong* identityLeaf, ulong size, ulong pfn)
        {
            if (pfn >= size) return P2mTable.IdentityFrame(pfn);
            ulong leaf = directory[pfn >> LeafShift];
            if (leaf == (ulong)identityLeaf) return P2mTable.IdentityFrame(pfn);
            return IsMissing(leaf) ? P2mTable.InvalidEntry : ((ulong*)leaf)[pfn & (EntriesPerLeaf - 1)];
        }

        // The leaf of pfn to write an entry in: a missing one gets its page filled first; null for the shared
        // identity leaf (1:1 pfns are not written) or past the table.
        public static ulong* Writable(ulong* directory, ulong* identityLeaf, ulong size, ulong pfn)
        {
            if (pfn >= size) return null;
            ulong leaf = directory[pfn >> LeafShift];
            if (leaf == (ulong)identityLeaf) return null;
            if (IsMissing(leaf))
            {
                leaf &= ~MissingTag;
                for (ulong i = 0; i < EntriesPerLeaf; i++) ((ulong*)leaf)[i] = P2mTable.InvalidEntry;
                directory[pfn >> LeafShift] = leaf;
            }
            return (ulong*)leaf;
        }

        // The page a frame list names for leaf k: a missing leaf is published as the identity leaf, all INVALID.
        public static ulong PublishedLeaf(ulong* directory, ulong* identityLeaf, ulong k) =>
            IsMissing(directory[k]) ? (ulong)identityLeaf : directory[k];

        // The planner's plans only: remap destinations overlap no operation's source nor each other, remap
        // sources do not overlap each other, and every range lies in the table (Apply's checks and statuses).
        private static MemoryStatus Check(ReadOnlySpan<MemoryOperation> plan, ulong size)
        {
            for (int i = 0; i < plan.Length; i++)
            {
                MemoryOperation op = plan[i];
                if (op.Kind == MemoryOperationKind.Identity) continue;
                if (op.Source > size || op.Count > size - op.Source) return MemoryStatus.OutOfRange;
                if (op.Kind != MemoryOperationKind.Remap) continue;
                if (op.Destination > size || op.Count > size - op.Destination) return MemoryStatus.OutOfRange;
                for (int j = 0; j < plan.Length; j++)
                {
                    MemoryOperation other = plan[j];
                    if (Overlaps(op.Destination, op.Count, other.Source, other.Count)) return MemoryStatus.Overlap;
                    if (j != i && other.Kind == MemoryOperationKind.Remap
                        && (Overlaps(op.Destination, op.Count, other.Destination, other.Count) || Overlaps(op.Source, op.Count, other.Source, other.Count)))
                        return MemoryStatus.Overlap;
                }
            }
            return MemoryStatus.Ok;
        }

        private static bool Overlaps(ulong a, ulong aCount, ulong b, ulong bCount) => aCount != 0 && bCount != 0 && a < b + bCount && b < a + aCount;

        // What a pfn holds after the plan, constant up to the returned end:
        //   Identity; Copy (from the list at source); Invalid (a remap's source, or a released backed page);
        //   Initial (the list's entry, or INVALID past it; also a released pfn, whose entries the caller checks).
        private enum State { Initial, Identity, Copy, Invalid, Release }

        private static State StateAt(ReadOnlySpan<MemoryOperation> plan, ulong nrPages, ulong size, ulong pfn, out ulong source, out ulong end)
        {
            source = 0;
            end = size;
            if (nrPages > pfn && nrPages < end) end = nrPages;
            State state = State.Initial;
            bool identity = false, copy = false, moved = false, released = false;
            for (int i = 0; i < plan.Length; i++)
            {
                MemoryOperation op = plan[i];
                Bound(op.Source, op.Count, pfn, ref end);
                if (op.Kind == MemoryOperationKind.Remap) Bound(op.Destination, op.Count, pfn, ref end);
                bool inSource = pfn >= op.Source && pfn - op.Source < op.Count;
                switch (op.Kind)
                {
                    case MemoryOperationKind.Identity: identity |= inSource; break;
                    case MemoryOperationKind.Release: released |= inSource; break;
                    default:
                        moved |= inSource;
                        if (pfn >= op.Destination && pfn - op.Destination < op.Count)
                        {
                            copy = true;
                            source = op.Source + (pfn - op.Destination);
                        }
                        break;
                }
            }
            if (!copy) source = pfn; // Initial reads the list where it is
            if (identity) state = State.Identity;
            else if (copy) state = State.Copy;
            else if (moved) state = State.Invalid;
            else if (released) state = State.Release;
            return state;
        }

        private static void Bound(ulong start, ulong count, ulong pfn, ref ulong end)
        {
            if (count == 0) return;
            if (start > pfn && start < end) end = start;
            ulong last = start + count;
            if (last > pfn && last < end) end = last;
        }

        // StateAt for pfns asked in rising order: recomputed once per run of one state.
        private ref struct Cursor
        {
            private readonly ReadOnlySpan<MemoryOperation> _plan;
            public readonly ulong NrPages, Size;
            private ulong _start, _end, _source;
            private State _state;

            public Cursor(ReadOnlySpan<MemoryOperation> plan, ulong nrPages, ulong size)
            {
                _plan = plan;
                NrPages = nrPages;
                Size = size;
                _start = _end = _source = 0;
                _state = State.Initial;
            }

            [MethodImpl(MethodImplOptions.NoInlining)] // a few calls a run: one copy keeps the guest image small
            public State At(ulong pfn, out ulong source, out ulong end)
            {
                if (pfn < _start || pfn >= _end)
                {
                    _state = StateAt(_plan, NrPages, Size, pfn, out _source, out _end);
                    _start = pfn;
                }
                source = _source + (pfn - _start);
                end = _end;
                return _state;
            }
        }

        // Decides every leaf, a run of leaves of one state at a time; returns how many are fresh or missing. With a
        // directory, fills it and the fresh leaves (from fresh on); with fixups, only rewrites the entries the
        // plan changes in the in-place leaves it changes in part. inPlaceEnd: the end of the leading in-place leaves.
        private static ulong Walk(ulong* list, ulong nrPages, ulong size, ReadOnlySpan<MemoryOperation> plan, ulong* directory, ulong* identityLeaf,
            ulong* fresh, bool fixups, out ulong inPlaceEnd)
        {
            var at = new Cursor(plan, nrPages, size);
            var sources = new Cursor(plan, nrPages, size);
            ulong leaves = LeafCount(size), wholeListLeaves = nrPages >> LeafShift, count = 0;
            inPlaceEnd = size;
            bool write = directory != null && !fixups;
            for (ulong k = 0; k < leaves;)
            {
                ulong first = k << LeafShift, last = first + EntriesPerLeaf < size ? first + EntriesPerLeaf : size;
                State state = at.At(first, out ulong source, out ulong end);
                if (end < last)
                {
                    // Mixed: a list page stays in place and has the changed entries rewritten, anything else is fresh.
                    if (k < wholeListLeaves)
                    {
                        if (write) directory[k] = (ulong)(list + first);
                        if (fixups) Fill(ref at, list, k, list + first, onlyChanged: true);
                    }
                    else
                    {
                        Fresh(ref at, list, k, directory, ref fresh, write, ref count);
                        if (inPlaceEnd == size) inPlaceEnd = first;
                    }
                    k++;
                    continue;
                }
                // A run of whole leaves in one state: [k, runEnd).
                ulong runEnd = end >= size ? leaves : end >> LeafShift;
                if (inPlaceEnd == size && !(state == State.Initial && k < wholeListLeaves)) inPlaceEnd = first;
                if (state == State.Identity)
                {
                    if (write) for (; k < runEnd; k++) directory[k] = (ulong)identityLeaf;
                    k = runEnd;
                    continue;
                }
                if (state == State.Initial && k < wholeListLeaves)
                {
                    ulong inPlace = runEnd < wholeListLeaves ? runEnd : wholeListLeaves;
                    if (write) for (; k < inPlace; k++) directory[k] = (ulong)(list + (k << LeafShift));
                    k = inPlace;
                    if (inPlaceEnd == size && k < runEnd) inPlaceEnd = k << LeafShift;
                }
                ulong sourceEnd = 0; // the source run known to be 1:1 up to here (from source on)
                for (; k < runEnd; k++, source += EntriesPerLeaf)
                {
                    first = k << LeafShift;
                    if (state == State.Invalid || (state == State.Initial && first >= nrPages))
                    {
                        // Missing: its page is set aside and filled when an entry is first written (Writable).
                        count++;
                        if (write)
                        {
                            directory[k] = (ulong)fresh | MissingTag;
                            fresh += EntriesPerLeaf;
                        }
                    }
                    else if (state == State.Copy && first + EntriesPerLeaf <= size && (source & (EntriesPerLeaf - 1)) == 0
                        && (source >> LeafShift) < wholeListLeaves && SourceIdentityEnd(ref sources, source, ref sourceEnd) >= source + EntriesPerLeaf)
                    {
                        // The source page is free to take: all of its pfns became identity.
                        if (write) directory[k] = (ulong)(list + source);
                    }
                    else Fresh(ref at, list, k, directory, ref fresh, write, ref count);
                }
            }
            return count;
        }

        // How far from source the pfns are 1:1 (source itself if it is not), asking the cursor once per run.
        private static ulong SourceIdentityEnd(ref Cursor sources, ulong source, ref ulong known)
        {
            if (source < known) return known;
            known = sources.At(source, out _, out ulong end) == State.Identity ? end : source;
            return known;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Fresh(ref Cursor at, ulong* list, ulong k, ulong* directory, ref ulong* fresh, bool write, ref ulong count)
        {
            count++;
            if (!write) return;
            directory[k] = (ulong)fresh;
            Fill(ref at, list, k, fresh, onlyChanged: false);
            fresh += EntriesPerLeaf;
        }

        // Writes leaf k's entries into leaf: all of them, or (onlyChanged, the leaf being the list's own page)
        // those the plan changes.
        private static void Fill(ref Cursor at, ulong* list, ulong k, ulong* leaf, bool onlyChanged)
        {
            ulong nrPages = at.NrPages;
            ulong first = k << LeafShift, last = first + EntriesPerLeaf < at.Size ? first + EntriesPerLeaf : at.Size;
            ulong pfn = first;
            while (pfn < last)
            {
                State state = at.At(pfn, out ulong source, out ulong end);
                if (end > last) end = last;
                ulong* to = leaf + (pfn - first);
                ulong n = end - pfn;
                switch (state)
                {
                    case State.Identity:
                        for (ulong i = 0; i < n; i++) to[i] = P2mTable.IdentityFrame(pfn + i);
                        break;
                    case State.Initial:
                    case State.Copy:
                        if (state == State.Initial && onlyChanged) break;
                        for (ulong i = 0; i < n; i++) to[i] = source + i < nrPages ? list[source + i] : P2mTable.InvalidEntry;
                        break;
                    case State.Invalid:
                        for (ulong i = 0; i < n; i++) to[i] = P2mTable.InvalidEntry;
                        break;
                    default: // Release
                        for (ulong i = 0; i < n; i++)
                        {
                            ulong initial = pfn + i < nrPages ? list[pfn + i] : P2mTable.InvalidEntry;
                            to[i] = P2mTable.IsBacked(initial) ? P2mTable.InvalidEntry : initial;
                        }
                        break;
                }
                pfn = end;
            }
        }
    }
}
