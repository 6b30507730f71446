using Unikernel.Core.Memory;
using static Unikernel.Tests.Core.Memory.Maps;

namespace Unikernel.Tests.Core.Memory;

public class MemoryCollisionsTests
{
    private static MemoryMap Dom0Map() => new(Sanitize(Dom0Machine5G));

    [Fact]
    public void Items_in_ram_do_not_collide()
    {
        var items = new[] { new PhysicalRange(0x200000, 0x400000), new PhysicalRange(0x1000, 0x1000), new PhysicalRange(0x100000000, 0x10000) };
        Assert.Equal(-1, MemoryCollisions.FindFirstOutsideRam(Dom0Map(), items));
    }

    [Fact]
    public void The_first_item_in_a_hole_is_named()
    {
        var items = new[]
        {
            new PhysicalRange(0x200000, 0x400000),     // kernel: fine
            new PhysicalRange(0xbff00000, 0x100000),   // p2m list: runs into ACPI
            new PhysicalRange(0xa0000, 0x1000),        // module: in the legacy hole
        };
        Assert.Equal(1, MemoryCollisions.FindFirstOutsideRam(Dom0Map(), items));
        Assert.Equal(0, MemoryCollisions.FindFirstOutsideRam(Dom0Map(), items[2..]));
    }

    [Fact]
    public void A_range_spanning_two_ram_entries_collides()
    {
        var map = new MemoryMap(Sanitize(new[] { Ram(0, 1 * MiB), Reserved(1 * MiB, 1 * MiB + 4096), Ram(1 * MiB + 4096, 2 * MiB) }));
        Assert.Equal(0, MemoryCollisions.FindFirstOutsideRam(map, new[] { new PhysicalRange(1 * MiB - 4096, 3 * 4096) }));
    }

    [Fact]
    public void Free_area_skips_what_is_in_use()
    {
        var inUse = new[] { new PhysicalRange(0, 0x9f000), new PhysicalRange(0x100000, 0x300000), new PhysicalRange(0x400000, 0x1800) };
        Assert.True(MemoryCollisions.TryFindFreeArea(Dom0Map(), 0x100000, inUse, out ulong address));
        Assert.Equal(0x402000UL, address); // past the 0x1800-byte item, page aligned
        Assert.True(MemoryCollisions.TryFindFreeArea(Dom0Map(), 0x100000, new PhysicalRange[0], out address));
        Assert.Equal(0x100000UL, address); // the low 636 KiB are too small
    }

    [Fact]
    public void Free_area_fails_when_nothing_fits()
    {
        var map = new MemoryMap(Sanitize(new[] { Ram(0, 1 * MiB), Reserved(1 * MiB, 2 * MiB), Ram(2 * MiB, 3 * MiB) }));
        // Each RAM entry has a page in use at a quarter of its length: the widest gap is 0xbf000 bytes.
        var inUse = new[] { new PhysicalRange(0x40000, 0x1000), new PhysicalRange(0x240000, 0x1000) };
        Assert.False(MemoryCollisions.TryFindFreeArea(map, 0xc0000, inUse, out _));
        Assert.True(MemoryCollisions.TryFindFreeArea(map, 0xbf000, inUse, out ulong address));
        Assert.Equal(0x41000UL, address);
        Assert.False(MemoryCollisions.TryFindFreeArea(map, 0, inUse, out _));
    }
}
