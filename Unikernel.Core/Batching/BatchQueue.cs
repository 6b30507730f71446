using System;
using System.Runtime.CompilerServices;

namespace Unikernel.Core.Batching
{
    // A queue of calls issued to the hypervisor in batches (after Linux's arch/x86/xen/multicalls.c).
    //
    // Use: Reserve a slot (and argument space that must live until the flush), fill entry->Args,
    // optionally AttachCallback, then Issue. Outside a lazy section Issue flushes at once; inside one
    // (EnterLazy .. LeaveLazy, nestable) entries accumulate and go out together. The queue also flushes
    // when it runs out of slots or argument space, on Flush, and on FlushBeforeDirect, which a caller
    // must use before any direct call that has to be ordered after what is queued.
    //
    // After every flush each entry's result is checked: a negative result is counted and reported with
    // the entry and its index in the batch; then the entries' callbacks run, in order, with their results.
    //
    // Argument space is the storage's own (Linux's MC_ARGS) unless bulk work lends the queue a larger
    // area for a while (UseArgumentArea): coalesced arrays then carry more requests per call.
    // Single-CPU and not reentrant: callers keep events masked across Reserve..Issue if a handler
    // could queue too, and nothing may be queued from a callback or the failure reporter.
    public unsafe struct BatchQueue
    {
        // Index reported (with no entry) when the issuer rejected the whole batch rather than one entry.
        public const int WholeBatchIndex = -1;

        // Result a slot holds until the issuer writes one: an entry a rejected batch never reached keeps
        // it, so it is reported as failed and its callback sees it, instead of passing for a success.
        public const long NotIssuedResult = unchecked((long)0x8000000000000000); // long.MinValue, which our corlib lacks

        private readonly BatchStorage* _storage;
        private readonly BatchIssuer _issuer;
        private readonly delegate*<BatchEntry*, int, long, void> _reportFailure; // (entry, index, result); entry null for a whole batch
        private byte* _arguments;       // the argument area in use
        private int _argumentCapacity;  // its size in bytes
        private int _entryCount;
        private int _argumentEnd;       // end of the last argument allocation, unaligned so it can grow in place
        private BatchEntry* _extendable; // the last entry when its arguments end at _argumentEnd, else null
        private int _lazyDepth;
        private bool _flushing;
        private int _callbacks; // entries of this batch with a callback; their slots are zero otherwise
        private BatchStatistics _statistics;

        public BatchQueue(BatchStorage* storage, in BatchIssuer issuer, delegate*<BatchEntry*, int, long, void> reportFailure)
        {
            if (storage == null) throw new ArgumentException("batch queue needs storage");
            if (!issuer.IsComplete) throw new ArgumentException("batch issuer has empty entries");
            if (reportFailure == null) throw new ArgumentException("batch queue needs a failure reporter");
            _storage = storage;
            _issuer = issuer;
            _reportFailure = reportFailure;
            _arguments = storage->Arguments;
            _argumentCapacity = BatchStorage.ArgumentBytes;
            _entryCount = 0;
            _argumentEnd = 0;
            _extendable = null;
            _lazyDepth = 0;
            _flushing = false;
            _callbacks = 0;
            for (int i = 0; i < BatchStorage.EntryCapacity; i++) storage->CallbackFunctions[i] = 0;
            _statistics = default;
        }

        public int PendingEntries => _entryCount;
        public int ArgumentBytesInUse => _argumentEnd;
        public int ArgumentCapacity => _argumentCapacity;
        public bool IsLazy => _lazyDepth != 0;
        public int LazyDepth => _lazyDepth;
        public BatchStatistics Statistics => _statistics;

        private BatchEntry* Entries => (BatchEntry*)_storage->EntryWords;

        // Reserves a slot for op with argumentBytes of argument space (null when 0), flushing first if
        // either is exhausted. The slot's Args start zeroed.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public BatchStatus Reserve(ulong op, int argumentBytes, out BatchEntry* entry, out void* arguments)
        {
            EnsureUsable();
            if (argumentBytes < 0) ThrowNegativeArguments();
            entry = null;
            arguments = null;
            if (argumentBytes > _argumentCapacity) return BatchStatus.ArgumentsTooLarge;

            int start = argumentBytes == 0 ? _argumentEnd : AlignArgument(_argumentEnd);
            if (_entryCount == BatchStorage.EntryCapacity || start + argumentBytes > _argumentCapacity)
            {
                Flush();
                start = 0;
            }

            int index = _entryCount++;
            entry = Entries + index;
            entry->Op = op;
            entry->Result = NotIssuedResult;
            ulong* args = entry->Args; // unrolled: a loop here costs more than the stores
            args[0] = 0; args[1] = 0; args[2] = 0; args[3] = 0; args[4] = 0; args[5] = 0;
            _extendable = null;
            if (argumentBytes != 0)
            {
                arguments = _arguments + start;
                _argumentEnd = start + argumentBytes;
                _extendable = entry;
            }
            _statistics.EntriesQueued++;
            return BatchStatus.Ok;
        }

        // Reserves a slot for an op whose arguments are all in the entry itself.
        public BatchEntry* Reserve(ulong op)
        {
            Reserve(op, 0, out BatchEntry* entry, out _);
            return entry;
        }

        // Queues op with its immediate arguments (at most six) and issues it.
        public void Queue(ulong op, ReadOnlySpan<ulong> args)
        {
            if (args.Length > BatchEntry.ArgumentCount) throw new ArgumentOutOfRangeException(nameof(args), "more than six arguments");
            BatchEntry* entry = Reserve(op);
            for (int i = 0; i < args.Length; i++) entry->Args[i] = args[i];
            Issue();
        }

        // Runs callback(data, result) after the most recently reserved entry has been issued
        // (Linux's xen_mc_callback, bound to one entry so it can see that entry's result).
        public void AttachCallback(delegate*<ulong, long, void> callback, ulong data)
        {
            EnsureUsable();
            if (_entryCount == 0) throw new InvalidOperationException("no entry to attach a callback to");
            if (callback == null) throw new ArgumentException("null callback");
            if (_storage->CallbackFunctions[_entryCount - 1] == 0) _callbacks++;
            _storage->CallbackFunctions[_entryCount - 1] = (ulong)callback;
            _storage->CallbackData[_entryCount - 1] = data;
        }

        // Grows the argument array of the last entry by argumentBytes and adds one to its count argument
        // Args[countArgumentIndex], so repeated requests of the same op (mmu_update, say) share one entry
        // (Linux's xen_mc_extend_args). Succeeds only when the last entry has this op, its arguments are
        // the last allocation and there is room; otherwise the caller reserves a new entry as usual.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryExtendLast(ulong op, int argumentBytes, int countArgumentIndex, out void* more)
        {
            if (argumentBytes <= 0 || (uint)countArgumentIndex >= BatchEntry.ArgumentCount) ThrowBadExtension(argumentBytes);
            if (!CanExtendLast(op, argumentBytes))
            {
                more = null;
                return false;
            }
            more = ExtendLastUnchecked(argumentBytes, countArgumentIndex);
            return true;
        }

        // TryExtendLast in two halves for the hottest caller (SetPte in lazy MMU mode): its checks then
        // branch straight to the caller's fallback, and the whole path makes no call. No usability check:
        // an unconstructed or flushing queue has no extendable entry, so CanExtendLast is false and the
        // Reserve the caller falls back to throws.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool CanExtendLast(ulong op, int argumentBytes) =>
            _extendable != null && _extendable->Op == op && _argumentEnd + argumentBytes <= _argumentCapacity;

        // Only right after CanExtendLast(op, argumentBytes) returned true, with the same argumentBytes.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void* ExtendLastUnchecked(int argumentBytes, int countArgumentIndex)
        {
            int end = _argumentEnd;
            _argumentEnd = end + argumentBytes;
            // Written out rather than ++: the compiler then updates the counts in place.
            _extendable->Args[countArgumentIndex] = _extendable->Args[countArgumentIndex] + 1;
            _statistics.Coalesced = _statistics.Coalesced + 1;
            return _arguments + end;
        }

        // Ends one queued operation (Linux's xen_mc_issue): flushes now unless inside a lazy section.
        public void Issue()
        {
            if (_lazyDepth == 0) Flush();
        }

        public void EnterLazy() => _lazyDepth++;

        // Lends the queue a larger argument area of the caller's (bulk work such as memory setup's hundreds
        // of thousands of page-table and M2P writes), or with null gives it back its own. What is queued is
        // issued first, since its entries point into the area in use. The area must stay put and unused by
        // anything else until it is given back, and start on an ArgumentAlignment boundary.
        public void UseArgumentArea(byte* area, int bytes)
        {
            if (area != null && (bytes <= 0 || ((ulong)area & (BatchStorage.ArgumentAlignment - 1)) != 0))
                throw new ArgumentException("argument area must be non-empty and aligned");
            Flush();
            _arguments = area != null ? area : _storage->Arguments;
            _argumentCapacity = area != null ? bytes : BatchStorage.ArgumentBytes;
        }

        // Leaving the outermost lazy section flushes what it queued.
        public void LeaveLazy()
        {
            if (_lazyDepth == 0) throw new InvalidOperationException("LeaveLazy without EnterLazy");
            if (--_lazyDepth == 0) Flush();
        }

        // A direct call must not overtake queued ones: issue them first.
        public void FlushBeforeDirect() => Flush();

        public void Flush()
        {
            EnsureUsable();
            int count = _entryCount;
            if (count == 0) return;
            _flushing = true;
            _extendable = null; // nothing extends an entry being issued (and TryExtendLast relies on it)

            BatchEntry* entries = Entries;
            if (count == 1)
            {
                entries[0].Result = _issuer.IssueSingle(ref entries[0]);
                _statistics.SingleIssues++;
            }
            else
            {
                long status = _issuer.IssueBatch(entries, count);
                if (status != 0) Fail(null, WholeBatchIndex, status);
            }
            _statistics.Flushes++;
            _statistics.EntriesIssued += (ulong)count;

            for (int i = 0; i < count; i++)
            {
                if (entries[i].Result < 0) Fail(entries + i, i, entries[i].Result);
            }
            // Most batches have no callbacks: skip the pass, and keep unused slots zero so none is needed.
            if (_callbacks != 0)
            {
                for (int i = 0; i < count; i++)
                {
                    ulong callback = _storage->CallbackFunctions[i];
                    if (callback == 0) continue;
                    _storage->CallbackFunctions[i] = 0;
                    ((delegate*<ulong, long, void>)callback)(_storage->CallbackData[i], entries[i].Result);
                }
                _callbacks = 0;
            }

            _entryCount = 0;
            _argumentEnd = 0;
            _extendable = null;
            _flushing = false;
        }

        private void Fail(BatchEntry* entry, int index, long result)
        {
            _statistics.Failures++;
            _reportFailure(entry, index, result);
        }

        // On every queue operation's path: the check inlines, the throwing stays out of line.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void EnsureUsable()
        {
            if (_storage == null || _flushing) ThrowUnusable();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowNegativeArguments() =>
            throw new ArgumentOutOfRangeException("argumentBytes", "negative argument size");

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowBadExtension(int argumentBytes)
        {
            if (argumentBytes <= 0) throw new ArgumentOutOfRangeException(nameof(argumentBytes), "extension must add bytes");
            throw new ArgumentOutOfRangeException("countArgumentIndex", "no such argument");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void ThrowUnusable()
        {
            if (_storage == null) throw new InvalidOperationException("batch queue used before construction");
            throw new InvalidOperationException("batch queue used from its own flush");
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int AlignArgument(int offset) =>
            (offset + BatchStorage.ArgumentAlignment - 1) & ~(BatchStorage.ArgumentAlignment - 1);
    }
}
