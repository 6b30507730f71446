namespace Unikernel.Core.Grants
{
    public enum GrantRefStatus
    {
        Ok,
        Exhausted,      // every ref within the current capacity is in use: grow the table or give up
        Reserved,       // refs 0-7 belong to the toolstack (console, xenstore), never ours to free
        OutOfRange,     // beyond the table's capacity
        NotAllocated,   // freed twice, or never handed out
        TooLarge,       // growing beyond what the bitmap was made for
    }

    // Hands out grant references of a v1 table whose capacity grows with the table. Refs below
    // GNTTAB_NR_RESERVED_ENTRIES (grant_table.h: 8) are never handed out. One bit per ref, set while in use;
    // the bitmap (ulong words for MaxRefs refs) is the caller's. No hypercall: the table itself is the platform's.
    public unsafe struct GrantRefAllocator
    {
        public const uint ReservedEntries = 8; // GNTTAB_NR_RESERVED_ENTRIES, grant_table.h

        private readonly ulong* _bitmap;
        private readonly uint _maxRefs;
        private uint _capacity;
        private uint _inUse;
        private uint _hint; // where the next search starts: refs are handed out round-robin, not reused at once

        public GrantRefAllocator(ulong* bitmap, uint maxRefs, uint capacity)
        {
            _bitmap = bitmap;
            _maxRefs = maxRefs;
            _capacity = capacity < maxRefs ? capacity : maxRefs;
            _inUse = 0;
            _hint = ReservedEntries;
            for (uint i = 0; i < (maxRefs + 63) / 64; i++) bitmap[i] = 0;
        }

        public uint Capacity => _capacity;
        public uint MaxRefs => _maxRefs;
        public uint InUse => _inUse;
        public uint FreeCount => _capacity > ReservedEntries ? _capacity - ReservedEntries - _inUse : 0;

        public GrantRefStatus Allocate(out uint gref)
        {
            gref = 0;
            if (FreeCount == 0) return GrantRefStatus.Exhausted;
            uint start = _hint < _capacity && _hint >= ReservedEntries ? _hint : ReservedEntries;
            uint r = start;
            do
            {
                if (!IsSet(r))
                {
                    _bitmap[r / 64] |= 1UL << (int)(r % 64);
                    _inUse++;
                    gref = r;
                    _hint = r + 1 < _capacity ? r + 1 : ReservedEntries;
                    return GrantRefStatus.Ok;
                }
                r = r + 1 < _capacity ? r + 1 : ReservedEntries;
            } while (r != start);
            return GrantRefStatus.Exhausted; // unreachable while _inUse counts right
        }

        public GrantRefStatus Free(uint gref)
        {
            if (gref < ReservedEntries) return GrantRefStatus.Reserved;
            if (gref >= _capacity) return GrantRefStatus.OutOfRange;
            if (!IsSet(gref)) return GrantRefStatus.NotAllocated;
            _bitmap[gref / 64] &= ~(1UL << (int)(gref % 64));
            _inUse--;
            return GrantRefStatus.Ok;
        }

        public bool IsAllocated(uint gref) => gref >= ReservedEntries && gref < _capacity && IsSet(gref);

        // The table grew (more frames mapped): refs up to newCapacity may be handed out.
        public GrantRefStatus Grow(uint newCapacity)
        {
            if (newCapacity > _maxRefs) return GrantRefStatus.TooLarge;
            if (newCapacity > _capacity) _capacity = newCapacity;
            return GrantRefStatus.Ok;
        }

        private bool IsSet(uint r) => (_bitmap[r / 64] & (1UL << (int)(r % 64))) != 0;
    }
}
