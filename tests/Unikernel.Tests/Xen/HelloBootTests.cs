using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

[Collection(XenCollection.Name)]
public class HelloBootTests
{
    private static readonly Regex Facts = new(@"^facts: xen=(?<xen>\S+) nr_pages=(?<pages>\d+) dom0=(?<dom0>\w+) cmdline=""(?<cmdline>.*)""$", RegexOptions.Multiline);
    // Xen's banner, e.g. "(XEN) [    0.000000] Xen version 4.17.7 (...)".
    private static readonly Regex XenBanner = new(@"Xen version (?<version>\S+) ", RegexOptions.Multiline);
    [Fact]
    public void Hello_boots_greets_and_reports_facts_that_match_xen()
    {
        var boot = Boots.Run("hello", "greeting test=1");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        Boots.AssertContains("ELF: note: GUEST_OS = \"Unikernel.NET\"", boot);
        Boots.AssertContains("ELF: note: HYPERCALL_PAGE = ", boot);
        Boots.AssertContains("Hello from Unikernel.NET!", boot);

        var facts = Facts.Match(boot.Log);
        Assert.True(facts.Success, "no facts line:\n" + boot.Tail());
        Assert.Equal("greeting test=1", facts.Groups["cmdline"].Value);
        Assert.Equal("yes", facts.Groups["dom0"].Value);
        Assert.Equal(XenLog.Dom0Pages(boot), ulong.Parse(facts.Groups["pages"].Value));

        var banner = XenBanner.Match(boot.Log);
        Assert.True(banner.Success, "Xen's banner is missing");
        Assert.Equal(banner.Groups["version"].Value, facts.Groups["xen"].Value);
    }

    [Theory]
    [InlineData(128, "dom0_mem=64M")]
    [InlineData(512, "dom0_mem=200M")]
    public void Nr_pages_follows_dom0_mem(int qemuMiB, string xenOption)
    {
        var boot = Boots.Run("hello", "", xenOption, qemuMiB);
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        var facts = Facts.Match(boot.Log);
        Assert.True(facts.Success, "no facts line:\n" + boot.Tail());
        ulong pages = ulong.Parse(facts.Groups["pages"].Value);
        Assert.Equal(XenLog.Dom0Pages(boot), pages);
        ulong asked = ulong.Parse(xenOption["dom0_mem=".Length..^1]) * 256;
        Assert.InRange(pages, asked - 1024, asked); // Xen may keep back a little for its own use
    }

    [Fact]
    public void Empty_command_line_is_reported_empty()
    {
        var boot = Boots.Run("hello");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        Assert.Equal("", Facts.Match(boot.Log).Groups["cmdline"].Value);
    }

    // UnikernelSymbolTable=false leaves the function-name table out: the image is smaller (61,426 bytes when
    // last measured, after the two-part p2m and deferred balloon tables, against 66,253 with it) and
    // still boots (its backtraces then show addresses, which ukboot symbolizes from the .sym.elf).
    public const int MaxHelloWithoutNamesBytes = 64 * 1024;

    [Fact]
    public void Hello_without_the_name_table_is_smaller_and_boots()
    {
        byte[] without = Boot.ImageBuildTests.BuildCopy("nosyms", "-p:UnikernelSymbolTable=false");
        long with = new FileInfo(Repo.Image("hello")).Length;
        Assert.True(without.Length < with, $"hello.elf is {without.Length} bytes without the table, {with} with it");
        Assert.True(without.Length <= MaxHelloWithoutNamesBytes, $"hello.elf without the table is {without.Length} bytes, over {MaxHelloWithoutNamesBytes}");
        BootsAndGreets(without, "nosyms");
    }

    // UnikernelCompressImage=false gives the plain image: what the default self-extracting one expands to,
    // segment for segment, and it boots too.
    [Fact]
    public void Hello_uncompressed_is_what_the_default_image_expands_to_and_boots()
    {
        byte[] plain = Boot.ImageBuildTests.BuildCopy("plain", "-p:UnikernelCompressImage=false");
        byte[] packed = File.ReadAllBytes(Repo.Image("hello"));
        Assert.True(packed.Length < plain.Length, $"hello.elf is {packed.Length} bytes, {plain.Length} uncompressed");
        int stub = (int)new FileInfo(Path.Combine(Repo.Root, "samples", "Hello", "obj", "Debug", "net10.0", "unikernel", "unpack.bin")).Length;
        var (entry, segments) = ImagePacker.Expand(packed, stub);
        var image = ElfImage.Parse(plain);
        Assert.Equal(image.Entry, entry);
        var loads = image.Segments.Where(s => s.Type == ElfImage.PtLoad).ToList();
        Assert.Equal(loads.Count, segments.Count);
        for (int i = 0; i < loads.Count; i++)
            Assert.True(loads[i].VirtualAddress == segments[i].Address && plain.AsSpan((int)loads[i].Offset, (int)loads[i].FileSize).SequenceEqual(segments[i].Bytes), $"segment {i} differs");
        BootsAndGreets(plain, "plain");
    }

    private static void BootsAndGreets(byte[] image, string name)
    {
        string path = Path.Combine(Path.GetTempPath(), $"uk-{name}-{Environment.ProcessId}.elf");
        File.WriteAllBytes(path, image);
        try
        {
            var boot = XenBoot.Run(new BootOptions
            {
                Image = path, CommandLine = name, CacheDir = Repo.Cache, Timeout = TimeSpan.FromSeconds(90),
            });
            Boots.AssertOutcome(BootOutcome.PowerOff, boot);
            Boots.AssertContains("Hello from Unikernel.NET!", boot);
        }
        finally { File.Delete(path); }
    }

    // uk.boottime: the platform prints each boot phase's end in microseconds since its entry, in order,
    // before Main runs; without it, nothing.
    [Fact]
    public void Boot_phases_are_timed_when_the_command_line_asks()
    {
        var boot = Boots.Run("hello", "uk.boottime");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        var m = Regex.Match(boot.Log, @"^boottime: console=(\d+) statics=(\d+) events=(\d+) xenstore=(\d+) memory=(\d+) main=(\d+) us$", RegexOptions.Multiline);
        Assert.True(m.Success, boot.Tail());
        var phases = new long[6];
        for (int i = 0; i < 6; i++) phases[i] = long.Parse(m.Groups[i + 1].Value);
        for (int i = 1; i < 6; i++) Assert.True(phases[i] >= phases[i - 1], $"phase {i} ends before phase {i - 1}: {m.Value}");
        Assert.True(phases[4] > phases[3], "memory setup took no time: " + m.Value);
        Assert.True(boot.Log.IndexOf(m.Value, StringComparison.Ordinal) < boot.Log.IndexOf("Hello from Unikernel.NET!", StringComparison.Ordinal));

        var plain = Boots.Run("hello", "no timeline");
        Assert.DoesNotContain("boottime:", plain.Log);
    }
}
