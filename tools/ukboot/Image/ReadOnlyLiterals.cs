using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Unikernel.Tools.Ukboot.Image;

// ilc puts string literals (frozen String objects, symbols __Str_*) in one writable .data section, side by
// side, next to data that is written. The page range that holds nothing but literals is written into the
// linked image's placeholder uk_readonly_literals { ulong start, end } (Unikernel.Boot/asm/runtime.S), and the
// platform maps those pages read-only. Literals on a page shared with other data stay writable.
public static class ReadOnlyLiterals
{
    private const ulong PageSize = 4096;

    // The page-aligned range [Start, End) covered only by string literals; (0, 0) when no whole page is.
    public static (ulong Start, ulong End) Find(byte[] elf) => Find(ElfImage.ReadSymbols(elf));

    private static (ulong Start, ulong End) Find(Dictionary<string, ulong> symbols)
    {
        if (!symbols.TryGetValue("__uk_data_start", out ulong dataStart) || !symbols.TryGetValue("__uk_image_end", out ulong imageEnd))
            throw new ImageException("the image has no __uk_data_start/__uk_image_end symbols (not linked with Unikernel.Boot's link.ld?)");
        var byAddress = symbols
            .Where(s => s.Value >= dataStart && s.Value < imageEnd && s.Key.Length > 0)
            .GroupBy(s => s.Value)
            .OrderBy(g => g.Key)
            .Select(g => (Address: g.Key, Literal: g.All(s => s.Key.StartsWith("__Str_", StringComparison.Ordinal))))
            .ToList();
        // The longest run of literal-only addresses; it ends where the next object starts.
        ulong bestStart = 0, bestEnd = 0;
        for (int i = 0; i < byAddress.Count; i++)
        {
            if (!byAddress[i].Literal) continue;
            int j = i;
            while (j < byAddress.Count && byAddress[j].Literal) j++;
            if (j == byAddress.Count) break; // no object after the run: its end is unknown, so keep it writable
            if (byAddress[j].Address - byAddress[i].Address > bestEnd - bestStart)
                (bestStart, bestEnd) = (byAddress[i].Address, byAddress[j].Address);
            i = j;
        }
        ulong start = (bestStart + PageSize - 1) & ~(PageSize - 1), end = bestEnd & ~(PageSize - 1);
        return start < end ? (start, end) : (0, 0);
    }

    // Writes the range into the image's placeholder, in place.
    public static (ulong Start, ulong End) Patch(byte[] elf)
    {
        var symbols = ElfImage.ReadSymbols(elf);
        var range = Find(symbols);
        if (!symbols.TryGetValue("uk_readonly_literals", out ulong placeholder))
            throw new ImageException("the image has no uk_readonly_literals (not linked with Unikernel.Boot's runtime.S?)");
        var image = ElfImage.Parse(elf);
        var segment = image.Segments.FirstOrDefault(s => s.Type == ElfImage.PtLoad && placeholder >= s.VirtualAddress && placeholder + 16 <= s.VirtualAddress + s.FileSize)
            ?? throw new ImageException($"uk_readonly_literals at 0x{placeholder:x} is not in a loaded segment");
        var bytes = elf.AsSpan((int)(segment.Offset + (placeholder - segment.VirtualAddress)), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, range.Start);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], range.End);
        return range;
    }
}
