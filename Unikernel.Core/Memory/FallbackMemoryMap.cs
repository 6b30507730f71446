namespace Unikernel.Core.Memory
{
    // The map to use when the hypervisor has no XENMEM_memory_map (-ENOSYS): one RAM entry from 0
    // covering the initial allocation plus slack, as Linux's xen_memory_setup does (arch/x86/xen/setup.c).
    public static class FallbackMemoryMap
    {
        // "8MB slack (to balance backend allocations)", xen_memory_setup.
        public const ulong SlackBytes = 8UL << 20;
        public const ulong SlackPages = SlackBytes >> Page.Shift;

        // The single entry covers min(initialPages + slack, maxPages) pages, but never less than initialPages:
        // the pages we already hold must stay RAM.
        public static MemoryRegion Build(ulong initialPages, ulong maxPages)
        {
            ulong pages = Page.Min(initialPages + SlackPages, Page.Max(maxPages, initialPages));
            return new MemoryRegion(0, Page.ToAddress(pages), MemoryType.Ram);
        }
    }
}
