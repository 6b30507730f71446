using System;
using Unikernel.Core.Memory;
using static Unikernel.Tests.Core.Memory.Maps;

namespace Unikernel.Tests.Core.Memory;

public class MemoryMapTests
{
    [Fact]
    public void DomU_single_ram_entry_is_kept_as_is()
    {
        var map = Sanitize(DomU1G);
        Assert.Equal(new[] { Ram(0, 1 * GiB) }, map);
    }

    [Fact]
    public void Dom0_machine_map_keeps_every_type_and_trims_ram_to_pages()
    {
        var map = Sanitize(Dom0Machine5G);
        var expected = new[]
        {
            Ram(0, 0x9f000), // 0x9fc00 is not a page boundary: the partial page is not RAM
            Reserved(0x9fc00, 0xa0000),
            Reserved(0xf0000, 0x100000),
            Ram(0x100000, 0xbffe0000),
            Acpi(0xbffe0000, 0xbfff0000),
            Nvs(0xbfff0000, 0xc0000000),
            Reserved(0xfec00000, 0xfec01000),
            Reserved(0xfee00000, 0xfee01000),
            Reserved(0xfffc0000, 0x100000000),
            Ram(0x100000000, 0x140000000),
        };
        Assert.Equal(expected, map);
    }

    [Fact]
    public void Unsorted_input_is_sorted()
    {
        var shuffled = (MemoryRegion[])Dom0Machine5G.Clone();
        Array.Reverse(shuffled);
        (shuffled[2], shuffled[7]) = (shuffled[7], shuffled[2]);
        Assert.Equal(Sanitize(Dom0Machine5G), Sanitize(shuffled));
    }

    [Fact]
    public void Overlap_goes_to_the_more_restrictive_type()
    {
        // RAM 0-16M with a reserved window 4M-5M inside it and an ACPI range overlapping the reserved one.
        var raw = new[] { Ram(0, 16 * MiB), Reserved(4 * MiB, 5 * MiB), Acpi(4 * MiB + 0x800, 6 * MiB) };
        var expected = new[]
        {
            Ram(0, 4 * MiB),
            Reserved(4 * MiB, 4 * MiB + 0x800),
            Acpi(4 * MiB + 0x800, 6 * MiB),
            Ram(6 * MiB, 16 * MiB),
        };
        Assert.Equal(expected, Sanitize(raw));
    }

    [Fact]
    public void Adjacent_and_overlapping_entries_of_one_type_merge()
    {
        var raw = new[] { Ram(2 * MiB, 3 * MiB), Ram(0, 1 * MiB), Ram(1 * MiB, 2 * MiB + 4096), Reserved(8 * MiB, 9 * MiB), Reserved(9 * MiB, 10 * MiB) };
        Assert.Equal(new[] { Ram(0, 3 * MiB), Reserved(8 * MiB, 10 * MiB) }, Sanitize(raw));
    }

    [Fact]
    public void Empty_entries_and_sub_page_ram_vanish()
    {
        var raw = new[] { Ram(0, 1 * MiB), new MemoryRegion(5 * MiB, 0, MemoryType.Reserved), Ram(2 * MiB + 100, 2 * MiB + 4000), Ram(3 * MiB + 1, 3 * MiB + 8193) };
        // The last entry holds exactly one whole page, 3M+4096..3M+8192.
        Assert.Equal(new[] { Ram(0, 1 * MiB), Ram(3 * MiB + 4096, 3 * MiB + 8192) }, Sanitize(raw));
    }

    [Fact]
    public void Unusable_counts_as_ram_only_when_asked()
    {
        var raw = new[] { Ram(0, 1 * MiB), Unusable(1 * MiB, 2 * MiB), Ram(2 * MiB, 3 * MiB) };
        Assert.Equal(new[] { Ram(0, 1 * MiB), Unusable(1 * MiB, 2 * MiB), Ram(2 * MiB, 3 * MiB) }, Sanitize(raw));
        Assert.Equal(new[] { Ram(0, 3 * MiB) }, Sanitize(raw, unusableAsRam: true));
    }

    [Fact]
    public void Only_the_reported_entries_are_read()
    {
        var buffer = new[] { Ram(0, 1 * MiB), Reserved(0, 2 * MiB) };
        var output = new MemoryRegion[4];
        Assert.Equal(MemoryStatus.Ok, MemoryMap.Build(buffer, 1, MemoryMapOptions.Default, output, out var map, out _));
        Assert.Equal(new[] { Ram(0, 1 * MiB) }, map.Entries.ToArray());
    }

    public static TheoryData<string, MemoryRegion[], uint, MemoryStatus, int> BadMaps => new()
    {
        { "zero entries", new[] { Ram(0, 1 * MiB) }, 0u, MemoryStatus.NoEntries, -1 },
        { "more entries than the buffer", new[] { Ram(0, 1 * MiB), Reserved(1 * MiB, 2 * MiB) }, 3u, MemoryStatus.TooManyEntries, -1 },
        { "past 52 bits", new[] { Ram(0, 1 * MiB), Reserved((1UL << 52) - 4096, 1UL << 52), Ram(1UL << 52, (1UL << 52) + 4096) }, 3u, MemoryStatus.BeyondAddressWidth, 2 },
        { "wrapping size", new[] { Ram(0, 1 * MiB), new MemoryRegion(0xffff_ffff_ffff_f000, 0x2000, MemoryType.Reserved) }, 2u, MemoryStatus.SizeOverflow, 1 },
        { "size reaching 2^64 exactly", new[] { new MemoryRegion(0x1000, ulong.MaxValue - 0xfff, MemoryType.Ram) }, 1u, MemoryStatus.SizeOverflow, 0 },
    };

    [Theory]
    [MemberData(nameof(BadMaps))]
    public void Bad_maps_are_reported_with_their_code(string name, MemoryRegion[] raw, uint reported, MemoryStatus expected, int badIndex)
    {
        var output = new MemoryRegion[8];
        var status = MemoryMap.Build(raw, reported, MemoryMapOptions.Default, output, out _, out int index);
        Assert.True(expected == status, name);
        Assert.Equal(badIndex, index);
    }

    [Fact]
    public void Address_width_is_configurable()
    {
        var raw = new[] { Ram(0, 1 * MiB), Reserved(0xfe000000, 0x1_0000_1000) };
        var output = new MemoryRegion[4];
        var narrow = new MemoryMapOptions { AddressBits = 32 };
        Assert.Equal(MemoryStatus.BeyondAddressWidth, MemoryMap.Build(raw, 2, narrow, output, out _, out _));
        Assert.Equal(MemoryStatus.Ok, MemoryMap.Build(raw, 2, MemoryMapOptions.Default, output, out _, out _));
    }

    [Fact]
    public void Too_small_output_is_reported()
    {
        // One RAM entry split by a hole becomes three entries from two.
        var raw = new[] { Ram(0, 16 * MiB), Reserved(4 * MiB, 5 * MiB) };
        var output = new MemoryRegion[2];
        Assert.Equal(MemoryStatus.OutputFull, MemoryMap.Build(raw, 2, MemoryMapOptions.Default, output, out _, out _));
    }

    [Fact]
    public void Map_of_only_empty_entries_has_no_entries()
    {
        var raw = new[] { new MemoryRegion(0x1000, 0, MemoryType.Ram) };
        Assert.Equal(MemoryStatus.NoEntries, MemoryMap.Build(raw, 1, MemoryMapOptions.Default, new MemoryRegion[2], out _, out _));
    }

    [Fact]
    public void Fallback_covers_initial_pages_plus_8MiB_within_the_maximum()
    {
        ulong pages = 256 * MiB / Page.Size;
        Assert.Equal(Ram(0, 256 * MiB + 8 * MiB), FallbackMemoryMap.Build(pages, ulong.MaxValue));
        Assert.Equal(Ram(0, 260 * MiB), FallbackMemoryMap.Build(pages, 260 * MiB / Page.Size));
        // Never below what is already populated.
        Assert.Equal(Ram(0, 256 * MiB), FallbackMemoryMap.Build(pages, 100));
    }

    [Fact]
    public void Ram_queries_need_one_entry_to_hold_the_whole_range()
    {
        var map = new MemoryMap(Sanitize(Dom0Machine5G));
        Assert.True(map.IsRam(0x100000, 0x1000));
        Assert.True(map.IsRam(0x1000, 0));
        Assert.False(map.IsRam(0x9e000, 0x2000)); // runs into the trimmed partial page
        Assert.False(map.IsRam(0xbffd0000, 0x20000)); // runs into ACPI
        Assert.False(map.IsRam(0x150000000, 0x1000)); // beyond the map
        Assert.Equal((0x9fUL + (0xbffe0UL - 0x100) + 0x40000), map.RamPages());
    }
}
