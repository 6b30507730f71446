using Unikernel.Core.Batching;

namespace Unikernel.Bench;

// An issuer that accepts everything and does nothing, so a benchmark measures only the queue.
public static unsafe class NullIssuer
{
    public static BatchIssuer Issuer => new() { IssueBatch = &IssueBatch, IssueSingle = &IssueSingle };

    public static delegate*<BatchEntry*, int, long, void> Reporter => &Report;

    private static long IssueBatch(BatchEntry* entries, int count) => 0;

    private static long IssueSingle(ref BatchEntry entry) => 0;

    private static void Report(BatchEntry* entry, int index, long result) { }
}
