using System;
using System.Collections.Generic;
using Unikernel.Core.Batching;

namespace Unikernel.Tests.Core.Batching;

// One call the queue made to its issuer, captured at issue time (the queue reuses its slots after).
public sealed record IssuedCall(bool Direct, ulong[] Ops, ulong[][] Args, ulong[][] Arrays);

// Op is 0 when the whole batch was rejected (no entry was handed over).
public sealed record ReportedFailure(ulong Op, int Index, long Result);

public sealed record CompletedCallback(ulong Data, long Result);

// A fake issuer behind static function pointers: records every call, the failures reported and the
// callbacks run. State is per thread because xUnit runs test classes in parallel.
public static unsafe class RecordingIssuer
{
    // Entries of this op carry (array pointer, element count) in Args[0..1], like mmu_update; the
    // issuer copies the array so tests can see what a coalesced entry really handed over.
    public const ulong ArrayOp = 0xA77A;

    [ThreadStatic] private static List<IssuedCall>? t_calls;
    [ThreadStatic] private static List<ReportedFailure>? t_failures;
    [ThreadStatic] private static List<CompletedCallback>? t_callbacks;
    [ThreadStatic] private static List<ulong[]>? t_failedArgs;
    [ThreadStatic] private static Func<ulong, long>? t_resultOf;
    [ThreadStatic] private static long t_batchStatus;
    [ThreadStatic] private static int? t_entriesRun;

    public static List<IssuedCall> Calls => t_calls ??= new();
    public static List<ReportedFailure> Failures => t_failures ??= new();
    public static List<CompletedCallback> Callbacks => t_callbacks ??= new();
    // The arguments of each failed entry as the reporter saw them (none for a rejected batch).
    public static List<ulong[]> FailedEntryArgs => t_failedArgs ??= new();

    // What each entry's result will be, by op (0 unless set).
    public static Func<ulong, long> ResultOf { get => t_resultOf ?? (_ => 0); set => t_resultOf = value; }

    // What IssueBatch itself returns (0 = accepted).
    public static long BatchStatus { get => t_batchStatus; set => t_batchStatus = value; }

    // How many entries of a batch get a result written (all unless set), as when Xen stops part-way.
    public static int EntriesRun { get => t_entriesRun ?? int.MaxValue; set => t_entriesRun = value; }

    public static void Reset()
    {
        Calls.Clear();
        Failures.Clear();
        Callbacks.Clear();
        FailedEntryArgs.Clear();
        t_resultOf = null;
        t_batchStatus = 0;
        t_entriesRun = null;
    }

    public static BatchIssuer Issuer => new() { IssueBatch = &IssueBatch, IssueSingle = &IssueSingle };

    public static delegate*<BatchEntry*, int, long, void> Reporter => &Report;

    public static delegate*<ulong, long, void> Callback => &Complete;

    public static IEnumerable<ulong> AllIssuedOps()
    {
        foreach (IssuedCall call in Calls)
            foreach (ulong op in call.Ops) yield return op;
    }

    private static long IssueBatch(BatchEntry* entries, int count)
    {
        Record(entries, count, direct: false);
        for (int i = 0; i < count && i < EntriesRun; i++) entries[i].Result = ResultOf(entries[i].Op);
        return t_batchStatus;
    }

    private static long IssueSingle(ref BatchEntry entry)
    {
        fixed (BatchEntry* pointer = &entry) Record(pointer, 1, direct: true);
        return ResultOf(entry.Op);
    }

    private static void Record(BatchEntry* entries, int count, bool direct)
    {
        var ops = new ulong[count];
        var args = new ulong[count][];
        var arrays = new ulong[count][];
        for (int i = 0; i < count; i++)
        {
            ops[i] = entries[i].Op;
            args[i] = new ulong[BatchEntry.ArgumentCount];
            for (int a = 0; a < BatchEntry.ArgumentCount; a++) args[i][a] = entries[i].Args[a];
            arrays[i] = entries[i].Op == ArrayOp
                ? new ReadOnlySpan<ulong>((ulong*)entries[i].Args[0], (int)entries[i].Args[1]).ToArray()
                : Array.Empty<ulong>();
        }
        Calls.Add(new IssuedCall(direct, ops, args, arrays));
    }

    private static void Report(BatchEntry* entry, int index, long result)
    {
        Failures.Add(new ReportedFailure(entry == null ? 0 : entry->Op, index, result));
        if (entry != null) FailedEntryArgs.Add(new ReadOnlySpan<ulong>(entry->Args, BatchEntry.ArgumentCount).ToArray());
    }

    private static void Complete(ulong data, long result) => Callbacks.Add(new CompletedCallback(data, result));
}
