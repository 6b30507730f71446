using System;
using System.Collections.Generic;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

// Realistic e820 maps and helpers shared by the memory tests.
internal static class Maps
{
    public const ulong KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

    public static MemoryRegion Ram(ulong start, ulong end) => new(start, end - start, MemoryType.Ram);
    public static MemoryRegion Reserved(ulong start, ulong end) => new(start, end - start, MemoryType.Reserved);
    public static MemoryRegion Acpi(ulong start, ulong end) => new(start, end - start, MemoryType.Acpi);
    public static MemoryRegion Nvs(ulong start, ulong end) => new(start, end - start, MemoryType.Nvs);
    public static MemoryRegion Unusable(ulong start, ulong end) => new(start, end - start, MemoryType.Unusable);

    // A domU started with maxmem=1024: the toolstack gives one RAM entry up to the static maximum.
    public static MemoryRegion[] DomU1G => new[] { Ram(0, 1 * GiB) };

    // A PC machine map as dom0 sees it with 5 GiB of RAM: low RAM up to the EBDA, the legacy hole,
    // RAM up to just below 3 GiB, ACPI tables and NVS, the PCI/APIC hole below 4 GiB, RAM from 4 GiB to 5 GiB.
    public static MemoryRegion[] Dom0Machine5G => new[]
    {
        Ram(0, 0x9fc00),
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

    public static MemoryRegion[] Sanitize(MemoryRegion[] raw, bool unusableAsRam = false)
    {
        var output = new MemoryRegion[raw.Length * 2 + 1];
        var options = unusableAsRam ? MemoryMapOptions.ForInitialDomain : MemoryMapOptions.Default;
        var status = MemoryMap.Build(raw, (uint)raw.Length, options, output, out var map, out _);
        Assert.Equal(MemoryStatus.Ok, status);
        return map.Entries.ToArray();
    }

    public static string Describe(IEnumerable<MemoryRegion> map)
    {
        var parts = new List<string>();
        foreach (var e in map) parts.Add($"[{e.Address:x}-{e.End:x} {e.Type}]");
        return string.Join(" ", parts);
    }

    // Reference semantics for a raw map: the winning type at an address (0 if nothing covers it).
    public static uint TypeAt(MemoryRegion[] raw, ulong address, bool unusableAsRam)
    {
        uint type = 0;
        foreach (var e in raw)
        {
            if (e.Size == 0 || address < e.Address || address >= e.End) continue;
            uint t = (uint)e.Type;
            if (unusableAsRam && e.Type == MemoryType.Unusable) t = (uint)MemoryType.Ram;
            type = Math.Max(type, t);
        }
        return type;
    }

    // Reference: a page is RAM when RAM wins at its start and at every raw boundary inside it.
    public static bool PageIsRam(MemoryRegion[] raw, ulong pfn, bool unusableAsRam)
    {
        ulong start = pfn * Page.Size, end = start + Page.Size;
        if (TypeAt(raw, start, unusableAsRam) != (uint)MemoryType.Ram) return false;
        foreach (var e in raw)
        {
            foreach (ulong b in new[] { e.Address, e.End })
                if (b > start && b < end && TypeAt(raw, b, unusableAsRam) != (uint)MemoryType.Ram) return false;
        }
        return true;
    }
}
