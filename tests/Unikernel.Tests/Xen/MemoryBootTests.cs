using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// Memory setup under real Xen: the guest's summary against Xen's own log, every free page touched
// (MemoryChecks.cs in the probe), and the failure paths.
[Collection(XenCollection.Name)]
public class MemoryBootTests
{
    public static readonly Regex Summary = new(
        @"^memory: map=(?<map>\d+) entries \((?<sanitized>\d+) sanitized, (?<ram>\d+) RAM pages\) nr_pages=(?<nr>\d+) max_pages=(?<max>\d+) extra=(?<extra>\d+) " +
        @"identity=(?<identity>\d+) released=(?<released>\d+) remapped=(?<remapped>\d+) returned=(?<returned>\d+) mapped=(?<mapped>\d+) pages \(\d+ MiB\) deferred=(?<deferred>\d+) pages free=(?<free>\d+) pages",
        RegexOptions.Multiline);
    private static readonly Regex MemTest = new(@"^memtest: free=(?<free>\d+) allocated=(?<allocated>\d+) populated=(?<populated>\d+) verified=(?<verified>\d+) budget=(?<budget>\d+)$", RegexOptions.Multiline);

    // -m 4096 puts RAM above a 1 GiB PCI hole, so a quarter of dom0's pages are remapped out of it.
    [Theory]
    [InlineData(256, "")]
    [InlineData(1024, "dom0_mem=512M,max:768M")]
    [InlineData(1024, "dom0_mem=300M")]
    [InlineData(4096, "")]
    public void Summary_matches_xen_and_every_free_page_works(int qemuMiB, string xenOptions)
    {
        var boot = Boots.Run("probe", "mode=memory", xenOptions, qemuMiB, timeoutSeconds: 240);
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        var s = Summary.Match(boot.Log);
        Assert.True(s.Success, "no memory summary:\n" + boot.Tail());
        ulong Get(string name) => ulong.Parse(s.Groups[name].Value);

        var e820 = XenLog.E820(boot);
        ulong nrPages = XenLog.Dom0Pages(boot);
        // Dom0's machine map is Xen's e820 plus the I/O ranges Xen lets dom0 reach, marked reserved: the
        // RAM in it must be exactly Xen's.
        Assert.InRange(Get("map"), (ulong)e820.Count, (ulong)e820.Count + 8);
        Assert.Equal(e820.Where(e => e.IsRam).Sum(e => (long)((e.EndInclusive + 1) / 4096 - (e.Start + 4095) / 4096)), (long)Get("ram"));
        Assert.Equal(nrPages, Get("nr"));
        // Every initial page in a hole of Xen's map moved above or went back to Xen; none stayed.
        ulong inHoles = XenLog.PagesInHoles(e820, nrPages);
        Assert.True(inHoles > 0, "the 640K-1M hole is always below nr_pages");
        Assert.Equal(inHoles, Get("remapped") + Get("released"));
        // Page 0, the stack guard region and the page shared_info is mapped over went back to Xen; all the
        // rest is mapped, or left to map on first use (memtest below uses every page).
        var symbols = ElfImage.ReadSymbols(System.IO.File.ReadAllBytes(Repo.Image("probe.sym")));
        ulong guardPages = (symbols["uk_stack_bottom"] - symbols["uk_stack_guard"]) / 4096;
        Assert.Equal(4UL, guardPages);
        Assert.Equal(1 + guardPages + 1, Get("returned"));
        Assert.Equal(nrPages - Get("released") - Get("returned"), Get("mapped") + Get("deferred"));
        AssertUsedPagesAccounted(boot.Log, nrPages - Get("released") - Get("returned") - Get("free"));
        if (xenOptions.Contains("max:"))
            Assert.Equal(ulong.Parse(Regex.Match(xenOptions, @"max:(\d+)M").Groups[1].Value) * 256, Get("max"));

        var t = MemTest.Match(boot.Log);
        Assert.True(t.Success, "no memtest line:\n" + boot.Tail());
        Assert.Equal(Get("free"), ulong.Parse(t.Groups["free"].Value));
        Assert.Equal(ulong.Parse(t.Groups["allocated"].Value), ulong.Parse(t.Groups["verified"].Value));
        if (xenOptions.Contains("max:"))
        {
            // Ballooned up to the maximum reservation: the extra space Xen allowed was populated.
            ulong max = Get("max"), populated = ulong.Parse(t.Groups["populated"].Value);
            Assert.Equal(max - nrPages, populated);
        }
        Boots.AssertContains("memory: 0 failed", boot);
    }

    private static readonly Regex Used = new(@"^memory: used=(?<used>\d+) pages before main: image=(?<image>\d+) xen=(?<xen>\d+) setup=(?<setup>\d+) deferred-tables=(?<tables>\d+)(?: kept=(?<kept>\d+))?$", RegexOptions.Multiline);

    // The pages in use before Main: the guest's figure agrees with the summary, and its parts add up to it.
    public static ulong AssertUsedPagesAccounted(string log, ulong expectedUsed)
    {
        var u = Used.Match(log);
        Assert.True(u.Success, "no memory use line:\n" + log);
        ulong Part(string name) => u.Groups[name].Success ? ulong.Parse(u.Groups[name].Value) : 0;
        Assert.Equal(expectedUsed, Part("used"));
        Assert.Equal(Part("used"), Part("image") + Part("xen") + Part("setup") + Part("tables") + Part("kept"));
        return Part("used");
    }

    [Fact]
    public void Bad_512gb_option_is_reported_and_the_default_kept()
    {
        var boot = Boots.Run("hello", "xen_512gb_limit=garbage");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        Boots.AssertContains("memory: xen_512gb_limit has a bad value (want 0/1/on/off/true/false/y/n): keeping the default, on", boot);
        Boots.AssertContains("Hello from Unikernel.NET!", boot);
    }

    [Theory]
    [InlineData("empty", "panic: memory map from Xen: it has no entries")]
    [InlineData("too-wide", "panic: memory map from Xen: entry 1 ends beyond the 52-bit physical address width")]
    [InlineData("too-many", "panic: memory map from Xen: it claims 129 entries, more than the buffer of 128")]
    [InlineData("wraps", "panic: memory map from Xen: entry 1 wraps past the end of the address space")]
    public void Bad_memory_maps_crash_naming_the_cause(string kind, string message)
    {
        var boot = Boots.Run("probe", "mode=bad-map kind=" + kind);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains(message, boot);
    }

    [Theory]
    [InlineData("write-rodata", "(write, protection)")]
    [InlineData("double-free", "panic: frames: double free of the page at 0x")]
    public void Protection_and_allocator_misuse_crash(string mode, string message)
    {
        var boot = Boots.Run("probe", "mode=" + mode);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains(message, boot);
    }
}
