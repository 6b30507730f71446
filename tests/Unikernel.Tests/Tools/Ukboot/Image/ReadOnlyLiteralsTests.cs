using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tests.Tools.Ukboot.Image;

// The page range of string literals the build writes into an image for the platform to map read-only.
public class ReadOnlyLiteralsTests
{
    [Fact]
    public void The_range_holds_whole_pages_of_string_literals_only_and_is_written_into_the_image()
    {
        byte[] image = File.ReadAllBytes(Repo.Image("probe.sym"));
        var (start, end) = ReadOnlyLiterals.Find(image);
        Assert.True(end > start, "no whole page of literals in the probe");
        Assert.Equal(0UL, start % 4096);
        Assert.Equal(0UL, end % 4096);
        var symbols = ElfImage.ReadSymbols(image);
        var inside = symbols.Where(s => s.Value >= start && s.Value < end).ToList();
        Assert.NotEmpty(inside);
        Assert.All(inside, s => Assert.StartsWith("__Str_", s.Key));
        Assert.True(start >= symbols["__uk_data_start"] && end <= symbols["__uk_image_end"]);

        // The build already patched the placeholder with the same range.
        ulong placeholder = symbols["uk_readonly_literals"];
        var load = ElfImage.Parse(image).Segments.First(s => s.Type == ElfImage.PtLoad && placeholder >= s.VirtualAddress && placeholder < s.VirtualAddress + s.FileSize);
        var stored = image.AsSpan((int)(load.Offset + (placeholder - load.VirtualAddress)), 16);
        Assert.Equal(start, BinaryPrimitives.ReadUInt64LittleEndian(stored));
        Assert.Equal(end, BinaryPrimitives.ReadUInt64LittleEndian(stored[8..]));
    }
}
