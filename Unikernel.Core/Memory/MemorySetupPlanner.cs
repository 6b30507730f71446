namespace Unikernel.Core.Memory
{
    // The hypervisor-independent half of Linux's xen_memory_setup (arch/x86/xen/setup.c): from the sanitized
    // map and the page limits, decide which pfns become extra (balloon) space, which become 1:1 identity,
    // and where the initial pages that sat in non-RAM holes go. The Xen layer executes the resulting plan.
    public static class MemorySetupPlanner
    {
        public static MemoryStatus Plan(scoped MemoryMap map, in PageLimits limits, ref ExtraMemory extra, ref MemoryPlan plan,
            out MemorySetupSummary summary)
        {
            summary = default;
            ulong initialPages = limits.InitialPages;

            // Room for the pages that will move out of holes comes on top of the maximum (xen_count_remap_pages),
            // then the EXTRA_MEM_RATIO clamp applies.
            ulong remapPages = CountPagesInHoles(map, initialPages);
            ulong maxPages = limits.MaxPages + remapPages;
            ulong extraPages = maxPages > initialPages ? maxPages - initialPages : 0;
            extraPages = Page.Min(extraPages, PageLimits.ExtraMemRatio * Page.Min(initialPages, limits.MaxMemPages));

            // RAM above the initial allocation becomes extra space while the budget lasts; the rest is unused.
            ulong memEnd = limits.MemEnd;
            for (int i = 0; i < map.Count && extraPages != 0; i++)
            {
                ref readonly MemoryRegion entry = ref map[i];
                if (entry.Type != MemoryType.Ram || entry.End <= memEnd) continue;
                ulong start = Page.Max(entry.Address, memEnd);
                ulong pages = Page.Min((entry.End - start) >> Page.Shift, extraPages);
                if (!extra.Add(Page.PfnDown(start), pages)) return MemoryStatus.OutputFull;
                extraPages -= pages;
            }

            ulong topPfn = Page.Max(Page.Max(initialPages, Page.PfnUp(map.EndAddress)), extra.EndPfn());

            // Every hole between RAM entries (and after the last one, up to the top) becomes identity; initial
            // pages in it are first remapped into extra space or, when that is used up, released.
            var totals = new Totals();
            ulong previousRamEnd = 0;
            for (int i = 0; i < map.Count; i++)
            {
                ref readonly MemoryRegion entry = ref map[i];
                if (entry.Type != MemoryType.Ram) continue;
                ulong holeEnd = Page.PfnDown(entry.Address);
                if (holeEnd > previousRamEnd) PlanHole(previousRamEnd, holeEnd, initialPages, ref extra, ref plan, ref totals);
                previousRamEnd = Page.PfnDown(entry.End);
            }
            if (topPfn > previousRamEnd) PlanHole(previousRamEnd, topPfn, initialPages, ref extra, ref plan, ref totals);

            if (plan.Overflowed || totals.ExtraFull) return MemoryStatus.OutputFull;
            extra.Sort(); // a remap may have split a region: callers walk the slots in address order

            summary = new MemorySetupSummary
            {
                MapEntries = map.Count,
                NrPages = initialPages,
                MaxPages = limits.MaxPages,
                ExtraPages = extra.TotalPages,
                IdentityPages = totals.Identity,
                RemappedPages = totals.Remapped,
                ReleasedPages = totals.Released,
                TopPfn = topPfn,
            };
            return MemoryStatus.Ok;
        }

        // Initial pages lying in non-RAM holes of the map, including past its last RAM entry.
        public static ulong CountPagesInHoles(MemoryMap map, ulong initialPages)
        {
            ulong pages = 0, previousRamEnd = 0;
            for (int i = 0; i < map.Count; i++)
            {
                ref readonly MemoryRegion entry = ref map[i];
                if (entry.Type != MemoryType.Ram) continue;
                ulong holeEnd = Page.Min(Page.PfnDown(entry.Address), initialPages);
                if (holeEnd > previousRamEnd) pages += holeEnd - previousRamEnd;
                previousRamEnd = Page.PfnDown(entry.End);
            }
            if (initialPages > previousRamEnd) pages += initialPages - previousRamEnd;
            return pages;
        }

        private struct Totals
        {
            public ulong Identity, Remapped, Released;
            public bool ExtraFull;
        }

        // Linux's xen_set_identity_and_remap_chunk, with destinations taken from the extra regions.
        private static void PlanHole(ulong start, ulong end, ulong initialPages, ref ExtraMemory extra, ref MemoryPlan plan, ref Totals totals)
        {
            ulong pfn = start;
            ulong backedEnd = Page.Min(end, initialPages);
            while (pfn < backedEnd)
            {
                if (!extra.TryGetLowest(out PfnRange destination))
                {
                    // No room left above: give the pages back (xen_set_identity_and_release_chunk).
                    ulong count = backedEnd - pfn;
                    plan.Release(pfn, count);
                    plan.Identity(pfn, count);
                    totals.Released += count;
                    pfn = backedEnd;
                    break;
                }
                // A move of a leaf or more keeps the source's place within a p2m leaf when the region has room
                // for all of it, so the p2m takes the source's whole leaves over instead of copying them
                // (P2mLeaves); the pfns skipped stay balloon space.
                ulong skew = (pfn - destination.Start) & (P2mLeaves.EntriesPerLeaf - 1), left = backedEnd - pfn;
                if (left < P2mLeaves.EntriesPerLeaf || skew > destination.Count || left > destination.Count - skew) skew = 0;
                ulong size = Page.Min(backedEnd - pfn, destination.Count - skew);
                plan.Remap(pfn, destination.Start + skew, size);
                plan.Identity(pfn, size);
                // The destination is now backed RAM, no longer balloon space (xen_del_extra_mem in xen_remap_memory).
                if (!extra.Remove(destination.Start + skew, size))
                {
                    totals.ExtraFull = true;
                    break;
                }
                totals.Remapped += size;
                pfn += size;
            }
            plan.Identity(pfn, end - pfn);
            totals.Identity += end - start;
        }
    }
}
