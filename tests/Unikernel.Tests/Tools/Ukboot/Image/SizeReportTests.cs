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
        // The stripped image holds the in-file sections and little else (headers, page alignment).
        long stripped = new FileInfo(Repo.Image("hello")).Length;
        long inFile = sections.Where(s => s.InFile).Sum(s => (long)s.Size);
        Assert.InRange(inFile, stripped - 5 * 4096, stripped);

        var largest = SizeReport.LargestSymbols(elf, 10);
        Assert.Equal(10, largest.Count);
        Assert.True(largest.Zip(largest.Skip(1)).All(p => p.First.Size >= p.Second.Size));
        Assert.Contains(largest, s => s.Name == "uk_symbol_table" && s.Section == ".rodata" && s.Size > 10_000);
        Assert.DoesNotContain(largest, s => s.Name == "UNIKERNEL_HEAP_SIZE");
        Assert.Contains("largest 10 symbols", SizeReport.Format(elf, 10));
    }
}
