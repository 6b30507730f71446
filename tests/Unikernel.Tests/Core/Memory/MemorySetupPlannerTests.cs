using System.Linq;
using Unikernel.Core.Memory;
using static Unikernel.Tests.Core.Memory.Maps;

namespace Unikernel.Tests.Core.Memory;

public class MemorySetupPlannerTests
{
    [Fact]
    public void DomU_gets_ram_above_nr_pages_as_extra_and_no_identity()
    {
        // maxmem=1024, memory=512: 0x20000 pages populated, the map covers 0x40000.
        var run = SetupRun.Execute(DomU1G, nrPages: 0x20000, maxReservation: 0x20000, initialDomain: false);
        Assert.Equal(MemoryStatus.Ok, run.Status);
        Assert.Equal(new[] { new PfnRange(0x20000, 0x20000) }, run.Extra);
        Assert.Empty(run.Plan);
        Assert.Equal(0x20000UL, run.Summary.ExtraPages);
        Assert.Equal((0UL, 0UL, 0UL), (run.Summary.IdentityPages, run.Summary.RemappedPages, run.Summary.ReleasedPages));
        Assert.Equal(0x40000UL, run.Summary.TopPfn);
        Assert.Equal(1, run.Summary.MapEntries);
    }

    [Fact]
    public void Extra_memory_is_clamped_to_ten_times_the_base()
    {
        // 256 MiB populated in a 16 GiB map: extra stops at 10 x 0x10000 pages.
        var run = SetupRun.Execute(new[] { Ram(0, 16 * GiB) }, nrPages: 0x10000, maxReservation: 0, initialDomain: false);
        Assert.Equal(new[] { new PfnRange(0x10000, 0xa0000) }, run.Extra);
        // Everything above the extra space stays unbacked and out of the balloon.
        Assert.Equal(P2mTable.InvalidEntry, run.P2m[0xb0000]);
        Assert.Equal(16 * GiB / Page.Size, run.Summary.TopPfn);
    }

    [Fact]
    public void Dom0_remaps_the_holes_into_ram_above_4GiB_and_releases_what_does_not_fit()
    {
        // dom0_mem=4G on the 5 GiB machine: pfns 0x9f-0xff (legacy hole) and 0xbffe0-0xfffff (ACPI, NVS,
        // PCI hole) are initial pages in holes, 0x61 + 0x40020 of them. RAM 4G-5G (0x40000 pages) is the
        // only room: it fills completely, 0x81 pages are given back.
        var run = SetupRun.Execute(Dom0Machine5G, nrPages: 0x100000, maxReservation: 0x100000, initialDomain: true);
        Assert.Equal(MemoryStatus.Ok, run.Status);
        var expected = new[]
        {
            (MemoryOperationKind.Remap, 0x9fUL, 0x100000UL, 0x61UL),
            (MemoryOperationKind.Identity, 0x9fUL, 0UL, 0x61UL),
            (MemoryOperationKind.Remap, 0xbffe0UL, 0x100061UL, 0x3ff9fUL),
            (MemoryOperationKind.Identity, 0xbffe0UL, 0UL, 0x3ff9fUL),
            (MemoryOperationKind.Release, 0xfff7fUL, 0UL, 0x81UL),
            (MemoryOperationKind.Identity, 0xfff7fUL, 0UL, 0x81UL),
        };
        Assert.Equal(expected, run.Plan.Select(o => (o.Kind, o.Source, o.Destination, o.Count)).ToArray());
        Assert.Equal(0x40000UL, run.Summary.RemappedPages);
        Assert.Equal(0x81UL, run.Summary.ReleasedPages);
        Assert.Equal(0x40081UL, run.Summary.IdentityPages);
        Assert.Equal(0UL, run.Summary.ExtraPages);
        Assert.Empty(run.Extra);
        Assert.Equal(0x140000UL, run.Summary.TopPfn);

        // After the plan: the hole pfns are 1:1, their frames now back 4G-5G, the rest went back to Xen.
        Assert.Equal(P2mTable.IdentityFrame(0xa0), run.P2m[0xa0]);
        Assert.Equal(SetupRun.FirstMfn + 0x9f, run.P2m[0x100000]);
        Assert.Equal(SetupRun.FirstMfn + 0xbffe0, run.P2m[0x100061]);
        Assert.Equal(SetupRun.FirstMfn + 0xfff7e, run.P2m[0x13ffff]);
        Assert.Equal(Enumerable.Range(0, 0x81).Select(i => SetupRun.FirstMfn + 0xfff7fUL + (ulong)i), run.Released);
    }

    [Fact]
    public void Dom0_with_room_to_spare_remaps_everything_and_keeps_the_rest_as_extra()
    {
        // dom0_mem=2G: only the legacy hole holds initial pages; RAM from 2G to the ACPI tables and 4G-5G is extra.
        var run = SetupRun.Execute(Dom0Machine5G, nrPages: 0x80000, maxReservation: 0, initialDomain: true);
        Assert.Equal(MemoryStatus.Ok, run.Status);
        Assert.Equal(0x61UL, run.Summary.RemappedPages);
        Assert.Equal(0UL, run.Summary.ReleasedPages);
        Assert.Equal(0x61UL + 0x40020, run.Summary.IdentityPages);
        Assert.Equal(new[] { new PfnRange(0x80061, 0x3ffe0 - 0x61), new PfnRange(0x100000, 0x40000) }, run.Extra);
        Assert.Equal(0x3ffe0UL + 0x40000 - 0x61, run.Summary.ExtraPages);
        // Identity covers the PCI hole even though no initial page was there.
        Assert.True(P2mTable.IsIdentity(run.P2m[0xfec00]));
    }

    [Fact]
    public void Dom0_maximum_reservation_limits_the_extra_space()
    {
        // dom0_mem=2G,max:2G+1M: 0x61 pages of room for the remap plus 0x100 of balloon.
        var run = SetupRun.Execute(Dom0Machine5G, nrPages: 0x80000, maxReservation: 0x80100, initialDomain: true);
        Assert.Equal(new[] { new PfnRange(0x80061, 0x100) }, run.Extra);
        Assert.Equal(0x61UL, run.Summary.RemappedPages);
    }

    [Fact]
    public void Fallback_map_gives_8MiB_of_extra_space()
    {
        ulong nrPages = 0x10000;
        var raw = new[] { FallbackMemoryMap.Build(nrPages, ulong.MaxValue) };
        var run = SetupRun.Execute(raw, nrPages, 0, initialDomain: false);
        Assert.Equal(new[] { new PfnRange(nrPages, 8 * MiB / Page.Size) }, run.Extra);
        Assert.Empty(run.Plan);
    }

    [Fact]
    public void Pages_past_a_short_map_are_released_when_there_is_no_room()
    {
        // The map holds 0x800 pages but 0x1000 are populated; nothing above to remap into.
        var run = SetupRun.Execute(new[] { Ram(0, 8 * MiB) }, nrPages: 0x1000, maxReservation: 0, initialDomain: false);
        Assert.Equal(0x800UL, run.Summary.ReleasedPages);
        Assert.Equal(0x800UL, run.Summary.IdentityPages);
        Assert.Equal(0x1000UL, run.Summary.TopPfn);
        Assert.Equal(0x800, run.Released.Length);
    }

    [Fact]
    public void A_plan_that_does_not_fit_is_reported()
    {
        var run = SetupRun.Execute(Dom0Machine5G, nrPages: 0x100000, maxReservation: 0x100000, initialDomain: true, planCapacity: 3);
        Assert.Equal(MemoryStatus.OutputFull, run.Status);
    }

    [Fact]
    public void Extra_regions_that_do_not_fit_are_reported()
    {
        var raw = new[] { Ram(0, 4 * MiB), Reserved(4 * MiB, 5 * MiB), Ram(5 * MiB, 6 * MiB), Reserved(6 * MiB, 7 * MiB), Ram(7 * MiB, 8 * MiB) };
        var run = SetupRun.Execute(raw, nrPages: 0x100, maxReservation: 0, initialDomain: false, extraCapacity: 2);
        Assert.Equal(MemoryStatus.OutputFull, run.Status);
    }

    [Fact]
    public void Counting_pages_in_holes_includes_the_tail_past_the_last_ram()
    {
        var map = new MemoryMap(Sanitize(new[] { Ram(0, 1 * MiB), Reserved(1 * MiB, 2 * MiB), Ram(2 * MiB, 3 * MiB) }));
        Assert.Equal(0x100UL, MemorySetupPlanner.CountPagesInHoles(map, 0x300));
        Assert.Equal(0x100UL + 0x50, MemorySetupPlanner.CountPagesInHoles(map, 0x350));
        Assert.Equal(0x80UL, MemorySetupPlanner.CountPagesInHoles(map, 0x180));
    }
}
