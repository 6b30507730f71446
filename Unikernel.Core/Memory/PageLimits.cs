namespace Unikernel.Core.Memory
{
    // How many pages this domain may use, after Linux's xen_get_pages_limit / xen_get_max_pages
    // and the start of xen_memory_setup (arch/x86/xen/setup.c).
    public struct PageLimits
    {
        // x86-64 MAXMEM with 4-level paging: 1 << MAX_PHYSMEM_BITS (46), arch/x86/include/asm/sparsemem.h.
        public const int DefaultMaxMemBits = 46;

        // The xen_512gb_limit cap for domUs, arch/x86/xen/setup.c (CONFIG_XEN_512GB).
        public const ulong Limit512GbPages = (512UL << 30) >> Page.Shift;

        // EXTRA_MEM_RATIO, arch/x86/xen/setup.c: extra (balloon) memory is at most 10x the base size,
        // since struct-page overhead for more would eat the base memory.
        public const ulong ExtraMemRatio = 10;

        public ulong PagesLimit;    // hard cap on any pfn count (MAXMEM or 512 GiB)
        public ulong MaxMemPages;   // PFN_DOWN(MAXMEM)
        public ulong InitialPages;  // nr_pages clamped to PagesLimit: the pages populated at boot
        public ulong MaxPages;      // the most pages the domain may ever hold

        public ulong MemEnd => Page.ToAddress(InitialPages);

        // nrPages: start_info.nr_pages. maxReservation: XENMEM_maximum_reservation (0 if it failed).
        // Like Linux, only dom0 takes the maximum reservation as its ceiling; a domU's current reservation
        // is not its static maximum, and its e820 map already covers that maximum.
        public static PageLimits Compute(ulong nrPages, ulong maxReservation, bool initialDomain, bool limit512Gb,
            int maxMemBits = DefaultMaxMemBits)
        {
            ulong maxMemPages = (1UL << maxMemBits) >> Page.Shift;
            ulong limit = maxMemPages;
            if (!initialDomain && limit512Gb && Limit512GbPages < limit) limit = Limit512GbPages;

            ulong maxPages = limit;
            if (initialDomain && maxReservation > 0) maxPages = maxReservation;

            return new PageLimits
            {
                PagesLimit = limit,
                MaxMemPages = maxMemPages,
                InitialPages = Page.Min(nrPages, limit),
                MaxPages = Page.Min(maxPages, limit),
            };
        }
    }
}
