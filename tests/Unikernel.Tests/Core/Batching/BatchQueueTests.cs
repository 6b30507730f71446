using System;
using System.Linq;
using System.Runtime.InteropServices;
using Unikernel.Core.Batching;

namespace Unikernel.Tests.Core.Batching;

// The batch queue against a recording issuer: flush points, ordering, argument space, coalescing,
// failure reporting, callbacks and statistics.
public sealed unsafe class BatchQueueTests : IDisposable
{
    private const int Capacity = BatchStorage.EntryCapacity;
    private const ulong OtherOp = 0x07;

    private readonly BatchStorage* _storage;
    private BatchQueue _queue;

    public BatchQueueTests()
    {
        RecordingIssuer.Reset();
        _storage = (BatchStorage*)NativeMemory.AllocZeroed((nuint)sizeof(BatchStorage));
        _queue = new BatchQueue(_storage, RecordingIssuer.Issuer, RecordingIssuer.Reporter);
    }

    public void Dispose() => NativeMemory.Free(_storage);

    private static int Aligned(int bytes) => (bytes + BatchStorage.ArgumentAlignment - 1) / BatchStorage.ArgumentAlignment * BatchStorage.ArgumentAlignment;

    // Queues an ArrayOp entry holding one element, as a caller of mmu_update would.
    private void QueueArrayOp(ulong element)
    {
        Assert.Equal(BatchStatus.Ok, _queue.Reserve(RecordingIssuer.ArrayOp, sizeof(ulong), out BatchEntry* entry, out void* args));
        *(ulong*)args = element;
        entry->Args[0] = (ulong)args;
        entry->Args[1] = 1;
        _queue.Issue();
    }

    // Adds one element to the last ArrayOp entry if it can, else queues a new entry.
    private bool ExtendOrQueueArrayOp(ulong element)
    {
        if (_queue.TryExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong), 1, out void* more))
        {
            *(ulong*)more = element;
            _queue.Issue();
            return true;
        }
        QueueArrayOp(element);
        return false;
    }

    [Fact]
    public void Entry_has_the_layout_of_multicall_entry()
    {
        Assert.Equal(64, sizeof(BatchEntry));
        BatchEntry entry = default;
        byte* start = (byte*)&entry;
        Assert.Equal(0, (int)((byte*)&entry.Op - start));
        Assert.Equal(8, (int)((byte*)&entry.Result - start));
        Assert.Equal(16, (int)((byte*)entry.Args - start));
        Assert.Equal(56, (int)((byte*)&entry.Args[5] - start));
    }

    [Fact]
    public void Outside_a_lazy_section_each_entry_is_issued_at_once_and_directly()
    {
        _queue.Queue(11, stackalloc ulong[] { 1, 2, 3 });
        Assert.Single(RecordingIssuer.Calls);
        _queue.Queue(12, stackalloc ulong[] { 4 });

        Assert.Equal(2, RecordingIssuer.Calls.Count);
        Assert.All(RecordingIssuer.Calls, call => Assert.True(call.Direct));
        Assert.Equal(new ulong[] { 11, 12 }, RecordingIssuer.AllIssuedOps());
        Assert.Equal(new ulong[] { 1, 2, 3, 0, 0, 0 }, RecordingIssuer.Calls[0].Args[0]);
        Assert.Equal(new ulong[] { 4, 0, 0, 0, 0, 0 }, RecordingIssuer.Calls[1].Args[0]);
        Assert.Equal(0, _queue.PendingEntries);
    }

    [Fact]
    public void A_lazy_section_queues_until_it_ends_then_issues_one_batch_in_order()
    {
        Span<ulong> args = stackalloc ulong[1];
        _queue.EnterLazy();
        for (ulong op = 1; op <= 5; op++)
        {
            args[0] = op * 100;
            _queue.Queue(op, args);
        }
        Assert.Empty(RecordingIssuer.Calls);
        Assert.Equal(5, _queue.PendingEntries);

        _queue.LeaveLazy();

        IssuedCall call = Assert.Single(RecordingIssuer.Calls);
        Assert.False(call.Direct);
        Assert.Equal(new ulong[] { 1, 2, 3, 4, 5 }, call.Ops);
        for (int i = 0; i < 5; i++) Assert.Equal(call.Ops[i] * 100, call.Args[i][0]);
        Assert.False(_queue.IsLazy);
    }

    [Fact]
    public void A_lazy_section_of_one_entry_is_issued_directly()
    {
        _queue.EnterLazy();
        _queue.Queue(42, stackalloc ulong[] { 9 });
        _queue.LeaveLazy();

        IssuedCall call = Assert.Single(RecordingIssuer.Calls);
        Assert.True(call.Direct);
        Assert.Equal(new ulong[] { 42 }, call.Ops);
    }

    [Fact]
    public void Nested_lazy_sections_flush_only_when_the_outermost_ends()
    {
        _queue.EnterLazy();
        _queue.Queue(1, default);
        _queue.EnterLazy();
        _queue.Queue(2, default);
        _queue.LeaveLazy();
        Assert.Empty(RecordingIssuer.Calls);
        Assert.True(_queue.IsLazy);
        _queue.Queue(3, default);
        _queue.LeaveLazy();

        Assert.Equal(new ulong[] { 1, 2, 3 }, Assert.Single(RecordingIssuer.Calls).Ops);
    }

    [Fact]
    public void Leaving_a_lazy_section_never_entered_is_a_programmer_error()
    {
        Assert.Throws<InvalidOperationException>(() => _queue.LeaveLazy());
    }

    [Fact]
    public void A_full_queue_flushes_before_taking_another_entry_and_keeps_order()
    {
        int total = Capacity * 2 + 3;
        _queue.EnterLazy();
        for (int i = 0; i < total; i++)
        {
            _queue.Queue((ulong)i, default);
            // The flush comes when an entry finds no free slot, not when the last slot fills.
            Assert.Equal(i / Capacity, RecordingIssuer.Calls.Count);
        }
        _queue.LeaveLazy();

        Assert.Equal(new[] { Capacity, Capacity, total - 2 * Capacity }, RecordingIssuer.Calls.Select(c => c.Ops.Length));
        Assert.Equal(Enumerable.Range(0, total).Select(i => (ulong)i), RecordingIssuer.AllIssuedOps());
    }

    [Fact]
    public void Exhausted_argument_space_flushes_then_the_request_is_served_and_arguments_survive_to_the_flush()
    {
        int request = BatchStorage.ArgumentBytes / 4 + 1; // a fourth does not fit beside three
        int fitting = BatchStorage.ArgumentBytes / Aligned(request);
        _queue.EnterLazy();
        for (int i = 0; i <= fitting; i++)
        {
            Assert.Equal(BatchStatus.Ok, _queue.Reserve(RecordingIssuer.ArrayOp, request, out BatchEntry* entry, out void* args));
            Assert.Equal(0, (long)args % BatchStorage.ArgumentAlignment);
            ulong* words = (ulong*)args;
            words[0] = (ulong)(1000 + i);
            entry->Args[0] = (ulong)args;
            entry->Args[1] = 1;
            _queue.Issue();
            Assert.Equal(i < fitting ? 0 : 1, RecordingIssuer.Calls.Count);
        }
        _queue.LeaveLazy();

        Assert.Equal(new[] { fitting, 1 }, RecordingIssuer.Calls.Select(c => c.Ops.Length));
        var firstElements = RecordingIssuer.Calls.SelectMany(c => c.Arrays).Select(a => a[0]);
        Assert.Equal(Enumerable.Range(0, fitting + 1).Select(i => (ulong)(1000 + i)), firstElements);
    }

    [Fact]
    public void A_request_larger_than_the_whole_argument_area_is_refused_without_flushing()
    {
        _queue.EnterLazy();
        _queue.Queue(1, default);

        BatchStatus status = _queue.Reserve(2, BatchStorage.ArgumentBytes + 1, out BatchEntry* entry, out void* args);

        Assert.Equal(BatchStatus.ArgumentsTooLarge, status);
        Assert.True(entry == null);
        Assert.True(args == null);
        Assert.Empty(RecordingIssuer.Calls);
        Assert.Equal(1, _queue.PendingEntries);
        Assert.Equal(1UL, _queue.Statistics.EntriesQueued);
    }

    [Fact]
    public void A_request_of_the_whole_argument_area_flushes_what_is_queued_and_fits()
    {
        _queue.EnterLazy();
        Assert.Equal(BatchStatus.Ok, _queue.Reserve(1, 8, out _, out _));

        Assert.Equal(BatchStatus.Ok, _queue.Reserve(2, BatchStorage.ArgumentBytes, out _, out void* args));

        Assert.Equal(new ulong[] { 1 }, Assert.Single(RecordingIssuer.Calls).Ops);
        Assert.Equal(BatchStorage.ArgumentBytes, _queue.ArgumentBytesInUse);
        Assert.True(args != null);
        _queue.LeaveLazy();
    }

    [Fact]
    public void A_negative_argument_size_is_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _queue.Reserve(1, -1, out _, out _));
    }

    [Fact]
    public void Explicit_flush_issues_inside_a_lazy_section_and_an_empty_flush_issues_nothing()
    {
        _queue.Flush();
        Assert.Empty(RecordingIssuer.Calls);
        Assert.Equal(0UL, _queue.Statistics.Flushes);

        _queue.EnterLazy();
        _queue.Queue(1, default);
        _queue.Queue(2, default);
        _queue.Flush();
        Assert.Equal(new ulong[] { 1, 2 }, Assert.Single(RecordingIssuer.Calls).Ops);
        Assert.True(_queue.IsLazy);

        _queue.Queue(3, default);
        _queue.LeaveLazy();
        Assert.Equal(new ulong[] { 1, 2, 3 }, RecordingIssuer.AllIssuedOps());
    }

    [Fact]
    public void Flush_before_direct_issues_everything_queued_so_a_direct_call_comes_after()
    {
        _queue.EnterLazy();
        _queue.Queue(1, default);
        _queue.Queue(2, default);
        _queue.Queue(3, default);

        _queue.FlushBeforeDirect();

        Assert.Equal(new ulong[] { 1, 2, 3 }, RecordingIssuer.AllIssuedOps());
        Assert.Equal(0, _queue.PendingEntries);
        Assert.True(_queue.IsLazy); // the section goes on; only its backlog was issued
        _queue.LeaveLazy();
        Assert.Single(RecordingIssuer.Calls);
    }

    [Fact]
    public void Consecutive_extends_of_the_same_op_share_one_entry()
    {
        _queue.EnterLazy();
        QueueArrayOp(10);
        Assert.True(ExtendOrQueueArrayOp(11));
        Assert.True(ExtendOrQueueArrayOp(12));
        _queue.LeaveLazy();

        IssuedCall call = Assert.Single(RecordingIssuer.Calls);
        Assert.Equal(new[] { RecordingIssuer.ArrayOp }, call.Ops);
        Assert.Equal(3UL, call.Args[0][1]);
        Assert.Equal(new ulong[] { 10, 11, 12 }, call.Arrays[0]);
        Assert.Equal(2UL, _queue.Statistics.Coalesced);
        Assert.Equal(1UL, _queue.Statistics.EntriesQueued);
    }

    [Fact]
    public void An_extend_of_an_unaligned_array_grows_it_in_place()
    {
        const int element = 12; // not a multiple of the alignment: the array must still stay contiguous
        _queue.EnterLazy();
        Assert.Equal(BatchStatus.Ok, _queue.Reserve(OtherOp, element, out BatchEntry* entry, out void* first));
        Assert.True(_queue.TryExtendLast(OtherOp, element, 1, out void* second));
        Assert.Equal(element, (int)((byte*)second - (byte*)first));
        Assert.Equal(1UL, entry->Args[1]);
        _queue.LeaveLazy();
    }

    [Fact]
    public void No_coalescing_across_a_different_op()
    {
        _queue.EnterLazy();
        QueueArrayOp(10);
        _queue.Queue(OtherOp, default);
        Assert.False(ExtendOrQueueArrayOp(11));
        _queue.LeaveLazy();

        IssuedCall call = Assert.Single(RecordingIssuer.Calls);
        Assert.Equal(new[] { RecordingIssuer.ArrayOp, OtherOp, RecordingIssuer.ArrayOp }, call.Ops);
        Assert.Equal(new ulong[] { 10 }, call.Arrays[0]);
        Assert.Equal(new ulong[] { 11 }, call.Arrays[2]);
        Assert.Equal(0UL, _queue.Statistics.Coalesced);
    }

    [Fact]
    public void No_coalescing_with_an_op_whose_arguments_are_not_the_last_allocation()
    {
        _queue.EnterLazy();
        QueueArrayOp(10);
        _queue.Reserve(RecordingIssuer.ArrayOp); // same op, but it owns no argument array
        Assert.False(_queue.TryExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong), 1, out void* more));
        Assert.True(more == null);
        _queue.LeaveLazy();
    }

    [Fact]
    public void No_coalescing_after_a_flush()
    {
        _queue.EnterLazy();
        QueueArrayOp(10);
        _queue.Flush();
        Assert.False(ExtendOrQueueArrayOp(11));
        _queue.LeaveLazy();

        Assert.Equal(2, RecordingIssuer.Calls.Count);
        Assert.Equal(new ulong[] { 10 }, RecordingIssuer.Calls[0].Arrays[0]);
        Assert.Equal(new ulong[] { 11 }, RecordingIssuer.Calls[1].Arrays[0]);
    }

    [Fact]
    public void Outside_a_lazy_section_nothing_is_left_to_coalesce_with()
    {
        QueueArrayOp(10);
        Assert.False(ExtendOrQueueArrayOp(11));
        Assert.Equal(2, RecordingIssuer.Calls.Count);
    }

    [Fact]
    public void An_extend_that_does_not_fit_fails_without_flushing()
    {
        _queue.EnterLazy();
        Assert.Equal(BatchStatus.Ok, _queue.Reserve(RecordingIssuer.ArrayOp, BatchStorage.ArgumentBytes - 4, out BatchEntry* entry, out _));
        Assert.False(_queue.TryExtendLast(RecordingIssuer.ArrayOp, 8, 1, out _));
        Assert.Empty(RecordingIssuer.Calls);
        Assert.Equal(0UL, entry->Args[1]);
        _queue.LeaveLazy();
    }

    // The split form SetPte uses: the same checks and the same effect as TryExtendLast.
    [Fact]
    public void Can_extend_last_answers_as_try_extend_last_and_the_unchecked_extend_does_what_it_does()
    {
        _queue.EnterLazy();
        Assert.False(_queue.CanExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong))); // nothing queued
        QueueArrayOp(10);
        Assert.False(_queue.CanExtendLast(OtherOp, sizeof(ulong)));                 // another op
        Assert.True(_queue.CanExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong)));
        *(ulong*)_queue.ExtendLastUnchecked(sizeof(ulong), 1) = 11;
        Assert.True(ExtendOrQueueArrayOp(12));
        int room = BatchStorage.ArgumentBytes - _queue.ArgumentBytesInUse;
        Assert.True(_queue.CanExtendLast(RecordingIssuer.ArrayOp, room));
        Assert.False(_queue.CanExtendLast(RecordingIssuer.ArrayOp, room + 1));     // would not fit
        _queue.LeaveLazy();

        IssuedCall call = Assert.Single(RecordingIssuer.Calls);
        Assert.Equal(new ulong[] { 10, 11, 12 }, call.Arrays[0]);
        Assert.Equal(2UL, _queue.Statistics.Coalesced);
        Assert.False(_queue.CanExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong))); // issued: nothing left
    }

    // TryExtendLast skips the usability check: it must still change nothing where the queue is not
    // usable, so the Reserve a caller falls back to is what refuses.
    [Fact]
    public void An_unconstructed_queue_extends_nothing()
    {
        var unconstructed = default(BatchQueue);
        Assert.False(unconstructed.TryExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong), 1, out void* more));
        Assert.True(more == null);
        Assert.False(unconstructed.CanExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong)));
    }

    [Fact]
    public void A_callback_cannot_extend_the_entry_being_issued()
    {
        Reentry.Queue = (BatchQueue*)NativeMemory.AllocZeroed((nuint)sizeof(BatchQueue));
        try
        {
            *Reentry.Queue = new BatchQueue(_storage, RecordingIssuer.Issuer, RecordingIssuer.Reporter);
            Reentry.Queue->EnterLazy();
            Assert.Equal(BatchStatus.Ok, Reentry.Queue->Reserve(RecordingIssuer.ArrayOp, sizeof(ulong), out BatchEntry* entry, out void* args));
            *(ulong*)args = 10;
            entry->Args[0] = (ulong)args;
            entry->Args[1] = 1;
            Reentry.Queue->AttachCallback(&Reentry.TryToExtend, 0);
            Reentry.Extended = true; // the callback overwrites it: false shows it ran and extended nothing
            Reentry.Queue->LeaveLazy();

            Assert.False(Reentry.Extended);
            Assert.Equal(new ulong[] { 10 }, Assert.Single(RecordingIssuer.Calls).Arrays[0]);
            Assert.Equal(1UL, entry->Args[1]);
            Assert.Equal(0UL, Reentry.Queue->Statistics.Coalesced);
        }
        finally
        {
            NativeMemory.Free(Reentry.Queue);
        }
    }

    [Fact]
    public void A_count_argument_outside_the_entry_is_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _queue.TryExtendLast(1, 8, BatchEntry.ArgumentCount, out _));
    }

    [Fact]
    public void Each_failed_entry_is_reported_with_its_op_and_index_and_counted()
    {
        RecordingIssuer.ResultOf = op => op % 3 == 0 ? -(long)op : 0;
        _queue.EnterLazy();
        for (ulong op = 1; op <= 7; op++) _queue.Queue(op, default);
        _queue.LeaveLazy();

        Assert.Equal(
            new[] { new ReportedFailure(3, 2, -3), new ReportedFailure(6, 5, -6) },
            RecordingIssuer.Failures);
        Assert.Equal(2UL, _queue.Statistics.Failures);
    }

    [Fact]
    public void The_reporter_sees_the_failed_entry_with_its_arguments()
    {
        RecordingIssuer.ResultOf = op => op == RecordingIssuer.ArrayOp ? -22 : 0;
        _queue.EnterLazy();
        _queue.Queue(OtherOp, stackalloc ulong[] { 7 });
        QueueArrayOp(10);
        Assert.True(ExtendOrQueueArrayOp(11));
        _queue.LeaveLazy();

        Assert.Equal(new[] { new ReportedFailure(RecordingIssuer.ArrayOp, 1, -22) }, RecordingIssuer.Failures);
        ulong[] args = Assert.Single(RecordingIssuer.FailedEntryArgs);
        Assert.Equal(2UL, args[1]); // its array still reachable: a platform can name the element that failed
        Assert.Equal(new ulong[] { 10, 11 }, new ReadOnlySpan<ulong>((ulong*)args[0], 2).ToArray());
    }

    [Fact]
    public void A_lent_argument_area_carries_longer_arrays_until_it_is_given_back()
    {
        const int Elements = 3 * BatchStorage.ArgumentBytes / sizeof(ulong); // three times what the own area holds
        ulong* area = (ulong*)NativeMemory.AlignedAlloc(Elements * sizeof(ulong), BatchStorage.ArgumentAlignment);
        try
        {
            _queue.EnterLazy();
            _queue.UseArgumentArea((byte*)area, Elements * sizeof(ulong));
            Assert.Equal(Elements * sizeof(ulong), _queue.ArgumentCapacity);
            QueueArrayOp(0);
            for (ulong i = 1; i < Elements; i++) Assert.True(ExtendOrQueueArrayOp(i));
            Assert.Empty(RecordingIssuer.Calls); // still lazy: nothing issued yet
            Assert.False(ExtendOrQueueArrayOp(Elements)); // the lent area is full: a flush, then a new entry
            _queue.UseArgumentArea(null, 0);              // giving it back issues what points into it
            Assert.Equal(BatchStorage.ArgumentBytes, _queue.ArgumentCapacity);
            Assert.Equal(0, _queue.PendingEntries);
            _queue.LeaveLazy();
        }
        finally { NativeMemory.AlignedFree(area); }

        Assert.Equal(2, RecordingIssuer.Calls.Count);
        Assert.Equal(Enumerable.Range(0, Elements).Select(i => (ulong)i), RecordingIssuer.Calls[0].Arrays[0]);
        Assert.True(RecordingIssuer.Calls[0].Args[0][0] == (ulong)area);
        Assert.Equal(new ulong[] { Elements }, RecordingIssuer.Calls[1].Arrays[0]);
        Assert.True(RecordingIssuer.Calls[1].Args[0][0] == (ulong)area); // the new entry went into the lent area too
    }

    [Fact]
    public void Lending_an_argument_area_issues_what_is_queued_first()
    {
        ulong* area = stackalloc ulong[64];
        _queue.EnterLazy();
        QueueArrayOp(10);
        _queue.UseArgumentArea((byte*)area, 64 * sizeof(ulong));
        Assert.False(ExtendOrQueueArrayOp(11)); // no coalescing into an array of the other area
        _queue.LeaveLazy();

        Assert.Equal(2, RecordingIssuer.Calls.Count);
        Assert.Equal(new ulong[] { 10 }, RecordingIssuer.Calls[0].Arrays[0]);
        Assert.True(RecordingIssuer.Calls[1].Args[0][0] == (ulong)area);
    }

    [Fact]
    public void An_empty_or_misaligned_argument_area_is_a_programmer_error()
    {
        ulong* area = stackalloc ulong[4];
        Assert.Throws<ArgumentException>(() => _queue.UseArgumentArea((byte*)area, 0));
        Assert.Throws<ArgumentException>(() => _queue.UseArgumentArea((byte*)area + 1, 16));
    }

    [Fact]
    public void A_failed_direct_entry_is_reported_at_index_zero()
    {
        RecordingIssuer.ResultOf = _ => -22;
        _queue.Queue(5, default);

        Assert.Equal(new[] { new ReportedFailure(5, 0, -22) }, RecordingIssuer.Failures);
        Assert.Equal(1UL, _queue.Statistics.Failures);
    }

    [Fact]
    public void A_rejected_batch_is_reported_as_a_whole()
    {
        RecordingIssuer.BatchStatus = -14;
        _queue.EnterLazy();
        _queue.Queue(1, default);
        _queue.Queue(2, default);
        _queue.LeaveLazy();

        Assert.Contains(new ReportedFailure(0, BatchQueue.WholeBatchIndex, -14), RecordingIssuer.Failures);
        Assert.Equal(0, _queue.PendingEntries);
    }

    [Fact]
    public void Entries_a_rejected_batch_never_ran_are_reported_and_their_callbacks_see_it()
    {
        RecordingIssuer.BatchStatus = -14;
        RecordingIssuer.EntriesRun = 1;
        RecordingIssuer.ResultOf = op => (long)op;
        _queue.EnterLazy();
        for (ulong op = 1; op <= 3; op++)
        {
            _queue.Reserve(op);
            _queue.AttachCallback(RecordingIssuer.Callback, op);
            _queue.Issue();
        }
        _queue.LeaveLazy();

        Assert.Equal(
            new[]
            {
                new ReportedFailure(0, BatchQueue.WholeBatchIndex, -14),
                new ReportedFailure(2, 1, BatchQueue.NotIssuedResult),
                new ReportedFailure(3, 2, BatchQueue.NotIssuedResult),
            },
            RecordingIssuer.Failures);
        Assert.Equal(3UL, _queue.Statistics.Failures);
        Assert.Equal(
            new[] { new CompletedCallback(1, 1), new CompletedCallback(2, BatchQueue.NotIssuedResult), new CompletedCallback(3, BatchQueue.NotIssuedResult) },
            RecordingIssuer.Callbacks);
    }

    [Fact]
    public void Callbacks_run_after_the_flush_in_entry_order_with_each_entry_result()
    {
        RecordingIssuer.ResultOf = op => (long)op * 10 - 25;
        _queue.EnterLazy();
        for (ulong op = 1; op <= 4; op++)
        {
            _queue.Reserve(op);
            if (op != 3) _queue.AttachCallback(RecordingIssuer.Callback, op + 500);
            _queue.Issue();
        }
        Assert.Empty(RecordingIssuer.Callbacks);
        _queue.LeaveLazy();

        Assert.Equal(
            new[] { new CompletedCallback(501, -15), new CompletedCallback(502, -5), new CompletedCallback(504, 15) },
            RecordingIssuer.Callbacks);
    }

    [Fact]
    public void A_slot_reused_after_a_flush_does_not_keep_the_old_callback()
    {
        _queue.EnterLazy();
        _queue.Reserve(1);
        _queue.AttachCallback(RecordingIssuer.Callback, 77);
        _queue.Flush();
        _queue.Reserve(2);
        _queue.LeaveLazy();

        Assert.Equal(new[] { 77UL }, RecordingIssuer.Callbacks.Select(c => c.Data));
    }

    [Fact]
    public void A_callback_without_an_entry_is_a_programmer_error()
    {
        Assert.Throws<InvalidOperationException>(() => _queue.AttachCallback(RecordingIssuer.Callback, 0));
    }

    [Fact]
    public void Statistics_match_what_the_issuer_saw()
    {
        RecordingIssuer.ResultOf = op => op == OtherOp ? -1 : 0;
        _queue.Queue(OtherOp, default);                  // direct, failing
        _queue.EnterLazy();
        for (int i = 0; i < Capacity + 2; i++) _queue.Queue(1, default); // one full batch then two
        QueueArrayOp(1);
        ExtendOrQueueArrayOp(2);
        ExtendOrQueueArrayOp(3);
        _queue.LeaveLazy();
        _queue.Queue(2, default);                        // direct

        var calls = RecordingIssuer.Calls;
        BatchStatistics statistics = _queue.Statistics;
        Assert.Equal((ulong)calls.Count, statistics.Flushes);
        Assert.Equal((ulong)calls.Count(c => c.Direct), statistics.SingleIssues);
        Assert.Equal((ulong)calls.Sum(c => c.Ops.Length), statistics.EntriesIssued);
        Assert.Equal(statistics.EntriesIssued, statistics.EntriesQueued);
        Assert.Equal((ulong)(1 + Capacity + 2 + 1 + 1), statistics.EntriesQueued);
        Assert.Equal(2UL, statistics.Coalesced);
        Assert.Equal((ulong)RecordingIssuer.Failures.Count, statistics.Failures);
        Assert.Equal(1UL, statistics.Failures);
        Assert.Equal(4, calls.Count); // direct, full batch, the rest of the section, direct
    }

    [Fact]
    public void The_queue_cannot_be_used_from_its_own_callback()
    {
        Reentry.Queue = (BatchQueue*)NativeMemory.AllocZeroed((nuint)sizeof(BatchQueue));
        try
        {
            *Reentry.Queue = new BatchQueue(_storage, RecordingIssuer.Issuer, RecordingIssuer.Reporter);
            Reentry.Queue->Reserve(1);
            Reentry.Queue->AttachCallback(&Reentry.QueueAnother, 0);
            Assert.Throws<InvalidOperationException>(() => Reentry.Queue->Flush());
        }
        finally
        {
            NativeMemory.Free(Reentry.Queue);
        }
    }

    private static class Reentry
    {
        [ThreadStatic] public static BatchQueue* Queue;
        public static void QueueAnother(ulong data, long result) => Queue->Reserve(2);
        [ThreadStatic] public static bool Extended;
        public static void TryToExtend(ulong data, long result) =>
            Extended = Queue->TryExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong), 1, out _) || Queue->CanExtendLast(RecordingIssuer.ArrayOp, sizeof(ulong));
    }

    [Fact]
    public void A_default_queue_refuses_use()
    {
        var unconstructed = default(BatchQueue);
        Assert.Throws<InvalidOperationException>(() => unconstructed.Reserve(1));
    }

    [Fact]
    public void Construction_refuses_missing_parts()
    {
        Assert.Throws<ArgumentException>(() => new BatchQueue(null, RecordingIssuer.Issuer, RecordingIssuer.Reporter));
        Assert.Throws<ArgumentException>(() => new BatchQueue(_storage, default, RecordingIssuer.Reporter));
        Assert.Throws<ArgumentException>(() => new BatchQueue(_storage, RecordingIssuer.Issuer, null));
    }

    [Fact]
    public void Random_use_issues_every_entry_once_in_order_within_capacity()
    {
        var random = new Random(1234);
        var expected = new System.Collections.Generic.List<ulong>();
        ulong next = 1;
        for (int step = 0; step < 5000; step++)
        {
            int callsBefore = RecordingIssuer.Calls.Count;
            switch (random.Next(6))
            {
                case 0: _queue.EnterLazy(); break;
                case 1: if (_queue.IsLazy) _queue.LeaveLazy(); break;
                case 2: _queue.Flush(); break;
                default:
                    int bytes = random.Next(3) == 0 ? random.Next(1, BatchStorage.ArgumentBytes / 2) : 0;
                    Assert.Equal(BatchStatus.Ok, _queue.Reserve(next, bytes, out _, out _));
                    expected.Add(next++);
                    _queue.Issue();
                    if (!_queue.IsLazy)
                        Assert.Equal(new[] { expected[^1] }, RecordingIssuer.Calls[^1].Ops);
                    break;
            }
            Assert.True(RecordingIssuer.Calls.Count - callsBefore <= 1);
            Assert.True(_queue.PendingEntries <= Capacity);
            Assert.True(_queue.ArgumentBytesInUse <= BatchStorage.ArgumentBytes);
        }
        while (_queue.IsLazy) _queue.LeaveLazy();

        Assert.Equal(expected, RecordingIssuer.AllIssuedOps());
        Assert.All(RecordingIssuer.Calls, call => Assert.InRange(call.Ops.Length, 1, Capacity));
        Assert.All(RecordingIssuer.Calls, call => Assert.Equal(call.Ops.Length == 1, call.Direct));
    }
}
