namespace Unikernel.Core.Batching
{
    // Counters a batch queue keeps over its life; they say how much batching actually saved.
    public struct BatchStatistics
    {
        public ulong EntriesQueued;  // slots reserved
        public ulong EntriesIssued;  // entries handed to the issuer (a coalesced extend adds none)
        public ulong Flushes;        // non-empty flushes; each is exactly one issuer call
        public ulong SingleIssues;   // flushes of one entry, issued directly rather than as a batch
        public ulong Coalesced;      // extends merged into the previous entry instead of taking a slot
        public ulong Failures;       // failed entries plus rejected batches, each also reported
    }
}
