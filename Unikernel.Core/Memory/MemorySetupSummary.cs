namespace Unikernel.Core.Memory
{
    // What memory setup decided, for the boot log and for sizing the p2m.
    public struct MemorySetupSummary
    {
        public int MapEntries;       // entries in the sanitized map
        public ulong NrPages;        // initial pages (nr_pages clamped to the limit)
        public ulong MaxPages;       // most pages the domain may hold (before adding remap room)
        public ulong ExtraPages;     // balloon pages left in the extra regions after remapping
        public ulong IdentityPages;  // pfns below TopPfn marked 1:1
        public ulong RemappedPages;  // initial pages moved out of non-RAM holes
        public ulong ReleasedPages;  // initial pages in holes given back (no room to remap them to); Linux's xen_released_pages
        public ulong TopPfn;         // the p2m must cover [0, TopPfn); pfns above are identity implicitly
    }
}
