namespace Unikernel.Core.Batching
{
    // How a platform issues queued calls. The core never names a hypercall: the Xen layer points
    // IssueBatch at HYPERVISOR_multicall and IssueSingle at a plain hypercall of entry.Op.
    public unsafe struct BatchIssuer
    {
        // Issues count entries at once and writes each entry's Result; returns 0 when the batch itself
        // was accepted (HYPERVISOR_multicall's own return), anything else when it was not.
        public delegate*<BatchEntry*, int, long> IssueBatch;

        // Issues one entry directly (a batch of one is not worth a multicall); returns its result.
        public delegate*<ref BatchEntry, long> IssueSingle;

        public bool IsComplete => IssueBatch != null && IssueSingle != null;
    }
}
