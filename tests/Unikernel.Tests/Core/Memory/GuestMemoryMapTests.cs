using System.Linq;
using Unikernel.Core.Memory;
using static Unikernel.Tests.Core.Memory.Maps;

namespace Unikernel.Tests.Core.Memory;

public class GuestMemoryMapTests
{
    private static MemoryRegion[] GuestMap(MemoryRegion[] raw, ulong nrPages, ulong maxReservation, bool dom0)
    {
        var run = SetupRun.Execute(raw, nrPages, maxReservation, dom0);
        Assert.Equal(MemoryStatus.Ok, run.Status);
        var map = new MemoryMap(run.Map);
        var scratch = new MemoryRegion[GuestMemoryMap.ScratchEntries(map.Count, run.Extra.Length, run.Plan.Length)];
        var output = new MemoryRegion[scratch.Length * 2];
        Assert.Equal(MemoryStatus.Ok, GuestMemoryMap.Build(map, run.Limits, run.Extra, run.Plan, scratch, output, out int count));
        return output.Take(count).ToArray();
    }

    [Fact]
    public void DomU_sees_its_ram_and_balloon_space_with_the_isa_window_reserved()
    {
        var expected = new[] { Ram(0, 0xa0000), Reserved(0xa0000, 0x100000), Ram(0x100000, 1 * GiB) };
        Assert.Equal(expected, GuestMap(DomU1G, 0x20000, 0, dom0: false));
    }

    [Fact]
    public void Ram_beyond_the_extra_clamp_is_not_in_the_guest_map()
    {
        var map = GuestMap(new[] { Ram(0, 16 * GiB) }, 0x10000, 0, dom0: false);
        Assert.Equal(Ram(0x100000, 0xb0000UL * Page.Size), map[^1]); // 11 x 256 MiB
    }

    [Fact]
    public void Dom0_keeps_the_machine_holes_and_the_remapped_ram_above_4GiB()
    {
        var expected = new[]
        {
            Ram(0, 0x9f000),
            Reserved(0x9fc00, 0x100000),
            Ram(0x100000, 0xbffe0000),
            Acpi(0xbffe0000, 0xbfff0000),
            Nvs(0xbfff0000, 0xc0000000),
            Reserved(0xfec00000, 0xfec01000),
            Reserved(0xfee00000, 0xfee01000),
            Reserved(0xfffc0000, 0x100000000),
            Ram(0x100000000, 0x140000000),
        };
        Assert.Equal(expected, GuestMap(Dom0Machine5G, 0x100000, 0x100000, dom0: true));
    }

    [Fact]
    public void Dom0_with_a_small_allocation_drops_ram_past_its_maximum()
    {
        // 2 GiB plus 0x100 balloon pages: the remapped 0x61 pages and the balloon sit right above 2 GiB.
        var map = GuestMap(Dom0Machine5G, 0x80000, 0x80100, dom0: true);
        Assert.Contains(Ram(0x100000, (0x80000UL + 0x61 + 0x100) * Page.Size), map);
        Assert.DoesNotContain(map, e => e.Type == MemoryType.Ram && e.End > 4 * GiB);
    }

    [Fact]
    public void Too_little_scratch_is_reported()
    {
        var run = SetupRun.Execute(DomU1G, 0x20000, 0, false);
        var map = new MemoryMap(run.Map);
        Assert.Equal(MemoryStatus.OutputFull, GuestMemoryMap.Build(map, run.Limits, run.Extra, run.Plan, new MemoryRegion[2], new MemoryRegion[8], out _));
    }
}
