namespace Unikernel.Core.Memory
{
    // Hands out page frames from a window of pfns, tracked by two bitmaps in caller storage.
    // Per pfn:   present available
    //              1       1      free
    //              1       0      allocated
    //              0       1      unpopulated: may be populated (ballooned up) on demand
    //              0       0      hole: never ours (identity, MMIO, not in the map)
    // Single pages and runs are first-fit by address. When nothing fits, the populate hook (the Xen layer's
    // XENMEM_populate_physmap) is asked for unpopulated pfns, never more in total than the budget, which
    // the Xen layer derives from the maximum reservation.
    // It is a value holding counters: keep one instance (e.g. a static field) and use it by reference.
    // The bitmaps are written on first use, as Linux defers struct-page initialisation: words from _readyWords
    // on hold nothing yet, and what was added there is kept as a few pending ranges, written a block of
    // 512 pages at a time when a lookup reaches it (or InitializeSome runs, from an idle loop), so boot
    // costs no work per page of RAM.
    public unsafe struct FrameAllocator
    {
        // How many unpopulated pages a single-page allocation asks the hook for at once.
        public const ulong PopulateBatch = 64;
        // Pages a donor is kept out of (AddFreeKeepingDonors) and the bitmaps are written by: a leaf table's reach.
        public const ulong BlockPages = PageTableEntry.EntriesPerTable;
        private const ulong BlockWords = BlockPages / 64;
        private const int MaxPending = 32;
        private const ulong PendingFree = 1, PendingDonors = 2; // flags; neither: unpopulated

        private ulong* _present;
        private ulong* _available;
        private ulong _basePfn;
        private ulong _pages;
        private ulong _freePages;
        private ulong _populatedPages;
        private ulong _populateBudget;
        private ulong _searchWord; // no free page below this word: keeps single-page allocation O(1) amortized
        private ulong _unpopulatedFrom; // no unpopulated page below this index (pages are never unpopulated again)
        private ulong _addedEnd; // no bit is set from this index on: nothing was added there
        private delegate*<void*, ulong, ulong, ulong> _populate;
        private void* _populateContext;
        private ulong _readyWords; // words below are written; the rest are the pending ranges
        private int _pendingCount;
        private fixed ulong _pending[3 * MaxPending]; // { start index, end index, flags }
        private ulong _lastDonorBlock; // the highest block a donor was kept out of, plus one (0: none)

        // Words of storage for a window of pages (two bitmaps).
        public static ulong StorageWords(ulong pages) => 2 * ((pages + 63) / 64);

        public FrameAllocator(ulong* storage, ulong storageWords, ulong basePfn, ulong pages)
        {
            ulong words = (pages + 63) / 64;
            if (storage == null || storageWords < 2 * words) throw new System.ArgumentException("frame allocator storage too small");
            _present = storage;
            _available = storage + words;
            _readyWords = 0; // nothing written yet: the storage may hold anything
            _pendingCount = 0;
            _lastDonorBlock = 0;
            _basePfn = basePfn;
            _pages = pages;
            _freePages = 0;
            _populatedPages = 0;
            _populateBudget = 0;
            _populate = null;
            _populateContext = null;
            _searchWord = 0;
            _unpopulatedFrom = 0;
            _addedEnd = 0;
        }

        public ulong BasePfn => _basePfn;
        public ulong Pages => _pages;
        public ulong FreePages => _freePages;
        public ulong PopulatedPages => _populatedPages;
        public ulong PopulateBudget => _populateBudget;

        // populate(context, startPfn, count) backs pfns from startPfn on and returns how many it backed (<= count).
        public void SetPopulateHook(delegate*<void*, ulong, ulong, ulong> populate, void* context, ulong budget)
        {
            _populate = populate;
            _populateContext = context;
            _populateBudget = budget;
        }

        // Hands over backed RAM pages as free.
        public FrameStatus AddFree(ulong startPfn, ulong count) => Add(startPfn, count, PendingFree);

        // Hands over backed RAM pages as free but for the first pfn of each block (BlockPages, aligned) that no
        // earlier call reached: a lazily mapped block's future leaf table (its donor), kept out as a hole. Runs
        // come in address order. donors: how many were kept out.
        public FrameStatus AddFreeKeepingDonors(ulong startPfn, ulong count, out ulong donors)
        {
            donors = 0;
            if (count == 0) return FrameStatus.InvalidCount;
            if (!InWindow(startPfn) || count > _pages - (startPfn - _basePfn)) return FrameStatus.OutOfRange;
            if (_basePfn % BlockPages != 0 || startPfn / BlockPages + 1 < _lastDonorBlock) return FrameStatus.InvalidCount;
            ulong firstBlock = startPfn / BlockPages, lastBlock = (startPfn + count - 1) / BlockPages;
            donors = lastBlock - firstBlock + 1 - (firstBlock + 1 == _lastDonorBlock ? 1UL : 0UL);
            FrameStatus status = Add(startPfn, count, PendingFree | PendingDonors);
            if (status != FrameStatus.Ok) donors = 0;
            return status;
        }

        // Writes the bitmaps for up to blocks more blocks; false once all are written (for an idle loop).
        public bool InitializeSome(ulong blocks)
        {
            ulong words = (_pages + 63) / 64;
            if (_readyWords >= words) return false;
            WriteTo(_readyWords + blocks * BlockWords);
            return _readyWords < words;
        }

        public bool FullyInitialized => _readyWords >= (_pages + 63) / 64;

        // Declares pfns that may be populated later (e.g. the extra regions).
        public FrameStatus AddUnpopulated(ulong startPfn, ulong count) => Add(startPfn, count, 0);

        public FrameStatus Allocate(out ulong pfn)
        {
            if (FindFree(out ulong index) || (PopulateFirst(PopulateBatch) && FindFree(out index)))
            {
                Clear(_available, index);
                _freePages--;
                pfn = _basePfn + index;
                return FrameStatus.Ok;
            }
            pfn = 0;
            return FrameStatus.OutOfMemory;
        }

        public FrameStatus AllocateRun(ulong count, out ulong startPfn)
        {
            startPfn = 0;
            if (count == 0) return FrameStatus.InvalidCount;
            if (!FindRun(count, allowUnpopulated: false, out ulong start))
            {
                if (!FindRun(count, allowUnpopulated: true, out start) || !PopulateWithin(start, count))
                    return FrameStatus.OutOfMemory;
            }
            for (ulong i = start; i < start + count; i++) Clear(_available, i);
            _freePages -= count;
            startPfn = _basePfn + start;
            return FrameStatus.Ok;
        }

        public FrameStatus Free(ulong pfn) => FreeRun(pfn, 1);

        // Checks the whole run before changing anything, so a bad free leaves the allocator as it was.
        public FrameStatus FreeRun(ulong startPfn, ulong count)
        {
            if (count == 0) return FrameStatus.InvalidCount;
            if (startPfn < _basePfn || startPfn - _basePfn >= _pages || count > _pages - (startPfn - _basePfn))
                return FrameStatus.OutOfRange;
            ulong start = startPfn - _basePfn;
            Ready(start + count - 1);
            for (ulong i = start; i < start + count; i++)
            {
                if (!Test(_present, i)) return FrameStatus.NotOwned;
                if (Test(_available, i)) return FrameStatus.DoubleFree;
            }
            for (ulong i = start; i < start + count; i++) Set(_available, i);
            _freePages += count;
            if (start / 64 < _searchWord) _searchWord = start / 64;
            return FrameStatus.Ok;
        }

        public bool IsFree(ulong pfn)
        {
            if (!InWindow(pfn)) return false;
            Ready(pfn - _basePfn);
            return Test(_present, pfn - _basePfn) && Test(_available, pfn - _basePfn);
        }

        private bool InWindow(ulong pfn) => pfn >= _basePfn && pfn - _basePfn < _pages;

        private FrameStatus Add(ulong startPfn, ulong count, ulong flags)
        {
            if (count == 0) return FrameStatus.InvalidCount;
            if (startPfn < _basePfn || startPfn - _basePfn >= _pages || count > _pages - (startPfn - _basePfn))
                return FrameStatus.OutOfRange;
            ulong start = startPfn - _basePfn, end = start + count;
            bool present = (flags & PendingFree) != 0;
            // Boot adds in address order: past everything added so far there is nothing to check.
            if (start < _addedEnd && (Overlaps(Page.Max(start, _readyWords * 64), end) || (start < _readyWords * 64 && (AnySet(_present, start, Page.Min(end, _readyWords * 64) - start)
                || AnySet(_available, start, Page.Min(end, _readyWords * 64) - start)))))
                return FrameStatus.AlreadyAdded;
            if (end > _addedEnd) _addedEnd = end;
            if (start >= _readyWords * 64 && _pendingCount < MaxPending)
            {
                // Past the written words: kept as a range, written when first needed.
                _pending[3 * _pendingCount] = start;
                _pending[3 * _pendingCount + 1] = end;
                _pending[3 * _pendingCount + 2] = flags;
                _pendingCount++;
                if ((flags & PendingDonors) != 0)
                {
                    ulong firstBlock = (start + _basePfn) / BlockPages, lastBlock = (end - 1 + _basePfn) / BlockPages;
                    count -= lastBlock - firstBlock + 1 - (firstBlock + 1 == _lastDonorBlock ? 1UL : 0UL);
                    _lastDonorBlock = lastBlock + 1;
                }
            }
            else
            {
                Ready(end - 1);
                SetRange(_available, start, count);
                if (present) SetRange(_present, start, count);
                if ((flags & PendingDonors) != 0)
                    for (ulong block = (start + _basePfn) / BlockPages; block * BlockPages < end + _basePfn; block++)
                    {
                        if (block + 1 == _lastDonorBlock) continue;
                        ulong donor = Page.Max(block * BlockPages - _basePfn, start);
                        Clear(_present, donor);
                        Clear(_available, donor);
                        count--;
                        _lastDonorBlock = block + 1;
                    }
            }
            if (present) _freePages += count;
            if (start / 64 < _searchWord) _searchWord = start / 64;
            if (!present && start < _unpopulatedFrom) _unpopulatedFrom = start;
            return FrameStatus.Ok;
        }

        // Whether [start, end) meets a pending range.
        private bool Overlaps(ulong start, ulong end)
        {
            for (int i = 0; i < _pendingCount; i++)
                if (_pending[3 * i] < end && start < _pending[3 * i + 1]) return true;
            return false;
        }

        // Makes sure the word of index is written.
        private void Ready(ulong index)
        {
            if ((index >> 6) >= _readyWords) WriteTo((index >> 6) + 1);
        }

        private bool Ready(ulong index, bool result)
        {
            Ready(index);
            return result;
        }

        // Writes the words below wordEnd (rounded up to a block) from the pending ranges; each block's donor
        // is the lowest pfn of the donor ranges in it.
        private void WriteTo(ulong wordEnd)
        {
            ulong words = (_pages + 63) / 64;
            wordEnd = Page.Min((wordEnd + BlockWords - 1) / BlockWords * BlockWords, words);
            for (ulong w = _readyWords; w < wordEnd; w = (w / BlockWords + 1) * BlockWords)
            {
                ulong blockEnd = Page.Min((w / BlockWords + 1) * BlockWords, words);
                for (ulong i = w; i < blockEnd; i++) _present[i] = _available[i] = 0;
                ulong first = w * 64, last = Page.Min(blockEnd * 64, _pages), donor = ulong.MaxValue;
                for (int p = 0; p < _pendingCount; p++)
                {
                    ulong from = Page.Max(_pending[3 * p], first), to = Page.Min(_pending[3 * p + 1], last), flags = _pending[3 * p + 2];
                    if (from >= to) continue;
                    SetRange(_available, from, to - from);
                    if ((flags & PendingFree) != 0) SetRange(_present, from, to - from);
                    if ((flags & PendingDonors) != 0 && from < donor) donor = from;
                }
                if (donor != ulong.MaxValue)
                {
                    Clear(_present, donor);
                    Clear(_available, donor);
                }
                _readyWords = blockEnd;
            }
            // Ranges written in full are done with.
            int kept = 0;
            for (int p = 0; p < _pendingCount; p++)
            {
                if (_pending[3 * p + 1] <= _readyWords * 64) continue;
                _pending[3 * kept] = _pending[3 * p];
                _pending[3 * kept + 1] = _pending[3 * p + 1];
                _pending[3 * kept + 2] = _pending[3 * p + 2];
                kept++;
            }
            _pendingCount = kept;
        }

        // Whole words at a time, in a tight loop between the partial first and last words: boot hands over all
        // of RAM, a block at a time past its mapped part.
        private static bool AnySet(ulong* map, ulong start, ulong count)
        {
            ulong end = start + count, first = start >> 6, last = (end - 1) >> 6;
            if (first == last) return (map[first] & WordMask(start, end)) != 0;
            if ((map[first] & WordMask(start, end)) != 0 || (map[last] & WordMask(last << 6, end)) != 0) return true;
            for (ulong w = first + 1; w < last; w++)
                if (map[w] != 0) return true;
            return false;
        }

        private static void SetRange(ulong* map, ulong start, ulong count)
        {
            ulong end = start + count, first = start >> 6, last = (end - 1) >> 6;
            map[first] |= WordMask(start, end);
            if (first == last) return;
            map[last] |= WordMask(last << 6, end);
            for (ulong w = first + 1; w < last; w++) map[w] = ~0UL;
        }

        // The bits of index i's word from i up to (not including) end.
        private static ulong WordMask(ulong i, ulong end)
        {
            int from = (int)(i & 63);
            ulong wordEnd = (i | 63) + 1;
            int to = end >= wordEnd ? 64 : (int)(end & 63);
            ulong high = to == 64 ? ~0UL : (1UL << to) - 1;
            return high & ~((1UL << from) - 1);
        }

        private bool FindFree(out ulong index)
        {
            ulong words = (_pages + 63) / 64;
            for (ulong w = _searchWord; w < words; w++)
            {
                if (w >= _readyWords) WriteTo(w + 1);
                ulong bits = _present[w] & _available[w];
                if (bits == 0) { _searchWord = w + 1; continue; }
                _searchWord = w;
                ulong bit = 0;
                while ((bits & (1UL << (int)bit)) == 0) bit++;
                index = w * 64 + bit;
                return true;
            }
            index = 0;
            return false;
        }

        // First window of count pages that are all free, or (allowUnpopulated) free or unpopulated with
        // no more unpopulated ones than the budget covers.
        private bool FindRun(ulong count, bool allowUnpopulated, out ulong start)
        {
            start = 0;
            ulong length = 0, unpopulated = 0;
            for (ulong i = 0; i < _pages; i++)
            {
                Ready(i);
                bool free = Test(_present, i) && Test(_available, i);
                bool populatable = allowUnpopulated && !Test(_present, i) && Test(_available, i);
                if (!free && !populatable)
                {
                    length = 0;
                    unpopulated = 0;
                    continue;
                }
                if (length == 0) start = i;
                length++;
                if (populatable) unpopulated++;
                // Slide the window once it is too long, dropping its first page.
                if (length > count)
                {
                    if (!Test(_present, start)) unpopulated--;
                    start++;
                    length--;
                }
                if (length == count && (unpopulated == 0 || (_populate != null && unpopulated <= _populateBudget))) return true;
            }
            return false;
        }

        private bool PopulateWithin(ulong start, ulong count)
        {
            ulong i = start, end = start + count;
            while (i < end)
            {
                if (Test(_present, i)) { i++; continue; }
                ulong runEnd = i;
                while (runEnd < end && !Test(_present, runEnd)) runEnd++;
                if (PopulateAt(i, runEnd - i) != runEnd - i) return false;
                i = runEnd;
            }
            return true;
        }

        // Populates up to max pages of the first unpopulated run.
        private bool PopulateFirst(ulong max)
        {
            if (_populate == null || _populateBudget == 0) return false;
            for (ulong i = _unpopulatedFrom; i < _pages; i++)
            {
                Ready(i);
                if (Test(_present, i) || !Test(_available, i)) continue;
                _unpopulatedFrom = i;
                ulong end = i;
                while (end < _pages && end - i < max && Ready(end, true) && !Test(_present, end) && Test(_available, end)) end++;
                return PopulateAt(i, end - i) != 0;
            }
            return false;
        }

        // Asks the hook for [index, index + count) within the budget; marks what it got as free.
        private ulong PopulateAt(ulong index, ulong count)
        {
            if (_populate == null) return 0;
            if (count > _populateBudget) count = _populateBudget;
            if (count == 0) return 0;
            ulong got = _populate(_populateContext, _basePfn + index, count);
            if (got > count) throw new System.InvalidOperationException("populate hook reported more pages than asked for");
            for (ulong k = 0; k < got; k++) Set(_present, index + k);
            if (got != 0 && index / 64 < _searchWord) _searchWord = index / 64;
            _populateBudget -= got;
            _populatedPages += got;
            _freePages += got;
            return got;
        }

        private static bool Test(ulong* map, ulong index) => (map[index >> 6] & (1UL << (int)(index & 63))) != 0;
        private static void Set(ulong* map, ulong index) => map[index >> 6] |= 1UL << (int)(index & 63);
        private static void Clear(ulong* map, ulong index) => map[index >> 6] &= ~(1UL << (int)(index & 63));
    }
}
