using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tests.Tools.Ukboot.Image;

// `ukboot size`: where an image's bytes go.
public class SizeReportTests
{
    [Fact]
    public void Sections_and_largest_symbols_account_for_the_image()
    {
        byte[] elf = File.ReadAllBytes(Repo.Image("hello.sym"));
        var sections = SizeReport.Sections(elf);
        foreach (var name in new[] { ".text", ".rodata", ".data", ".bss" }) Assert.Contains(sections, s => s.Name == name);
        Assert.False(sections.Single(s => s.Name == ".bss").InFile);
        // The uncompressed image (the sections and headers) is what gets compressed; the shipped one is smaller.
        long shipped = new FileInfo(Repo.Image("hello")).Length;
        long inFile = sections.Where(s => s.InFile).Sum(s => (long)s.Size);
        Assert.True(shipped < inFile, $"hello.elf is {shipped} bytes, its sections {inFile}");
        Assert.False(sections.Single(s => s.Name == ".text_nobits").InFile); // the hypercall page takes no file bytes

        var largest = SizeReport.LargestSymbols(elf, 10);
        Assert.Equal(10, largest.Count);
        Assert.True(largest.Zip(largest.Skip(1)).All(p => p.First.Size >= p.Second.Size));
        Assert.Contains(SizeReport.LargestSymbols(elf, int.MaxValue), s => s.Name == "uk_symbol_table" && s.Section == ".rodata" && s.Size > 1000);
        Assert.DoesNotContain(SizeReport.LargestSymbols(elf, int.MaxValue), s => s.Name == "UNIKERNEL_HEAP_SIZE");
        string report = SizeReport.Format(elf, 10, ("hello.elf", shipped));
        Assert.Contains("largest 10 symbols", report);
        Assert.Matches(@"string literals \(UTF-16 objects, __Str_\*\): \d+, \d+ bytes", report);
        Assert.Contains($"hello.elf{new string(' ', 31 - "hello.elf".Length)} {shipped,8}  (self-extracting", report);
    }
}
