namespace Unikernel.Core.Memory
{
    public enum FrameStatus
    {
        Ok = 0,
        OutOfMemory,     // nothing free and nothing more may be populated
        OutOfRange,      // the pfn is outside the allocator's window
        NotOwned,        // freeing a pfn that is a hole or not yet populated
        DoubleFree,      // freeing a pfn that is already free
        AlreadyAdded,    // adding a pfn the allocator already knows
        InvalidCount,    // a run of zero pages
    }
}
