namespace Unikernel.Core.Memory
{
    // Outcome of the memory-setup steps. Bad input from the hypervisor is reported, never thrown.
    public enum MemoryStatus
    {
        Ok = 0,
        NoEntries,            // the hypervisor returned an empty map
        TooManyEntries,       // reported entry count exceeds the buffer it was written into
        SizeOverflow,         // Address + Size wraps around 2^64
        BeyondAddressWidth,   // an entry ends above the physical address width
        OutputFull,           // a caller-provided output buffer (map, plan, extra list) is too small
        OutOfRange,           // a plan operation touches pfns outside the p2m table
        Overlap,              // a remap whose source and destination overlap
    }
}
