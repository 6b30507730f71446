namespace Unikernel.Core.Memory
{
    // The shape of the three-level list a 64-bit PV guest publishes in arch_shared_info
    // (pfn_to_mfn_frame_list_list, xen/include/public/arch-x86/xen.h) for libxenguest's save
    // (tools/libs/guest/xg_sr_save_x86_pv.c map_p2m_tree; Linux arch/x86/xen/p2m.c xen_build_mfn_list_list):
    // one top page of the mfns of the mid pages, mid pages of the mfns of the leaves, leaves = the p2m's
    // own pages. 512 eight-byte entries a page; the save reads max_pfn / 512 + 1 mid entries and
    // max_pfn / 512^2 + 1 top entries, so one top page covers 512 GiB of pfns.
    public readonly struct P2mFrameLists
    {
        public const ulong EntriesPerPage = 512;

        public ulong Entries { get; }   // the p2m's size: arch.max_pfn
        public ulong LeafPages => (Entries + EntriesPerPage - 1) / EntriesPerPage;
        public ulong MidPages => (LeafPages + EntriesPerPage - 1) / EntriesPerPage;
        public bool Fits => Entries != 0 && MidPages <= EntriesPerPage;

        public P2mFrameLists(ulong entries) => Entries = entries;

        // Where leaf `leaf`'s mfn goes: mid page leaf / 512, entry leaf % 512.
        public static ulong MidPageOf(ulong leaf) => leaf / EntriesPerPage;
        public static ulong MidEntryOf(ulong leaf) => leaf % EntriesPerPage;
    }
}
