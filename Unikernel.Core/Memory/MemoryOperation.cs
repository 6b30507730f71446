namespace Unikernel.Core.Memory
{
    public enum MemoryOperationKind : uint
    {
        // Mark [Source, Source + Count) as 1:1 (IDENTITY_FRAME) in the p2m: MMIO, firmware tables, holes.
        Identity = 1,
        // Move the mfns backing [Source, Source + Count) to [Destination, Destination + Count): p2m and m2p
        // (MMU_MACHPHYS_UPDATE) both follow; the source pfns are left without backing.
        Remap = 2,
        // Give the mfns backing [Source, Source + Count) back to Xen (XENMEM_decrease_reservation) and
        // set those p2m entries INVALID. Pfns that have no backing are skipped.
        Release = 3,
    }

    // One step of the memory-setup plan. Executed in order: a range is remapped or released
    // before it is marked identity.
    public struct MemoryOperation
    {
        public MemoryOperationKind Kind;
        public ulong Source;
        public ulong Destination; // Remap only
        public ulong Count;

        public ulong SourceEnd => Source + Count;
    }
}
