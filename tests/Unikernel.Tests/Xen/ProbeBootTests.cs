using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.Boot.Host;

namespace Unikernel.Tests.Xen;

[Collection(XenCollection.Name)]
public class ProbeBootTests
{
    [Fact]
    public void Runtime_features_work_in_the_guest()
    {
        var boot = Boots.Run("probe", "mode=runtime");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        var checks = Regex.Matches(boot.Log, @"^check (\S+): (\w+)$", RegexOptions.Multiline);
        Assert.True(checks.Count >= 12, $"only {checks.Count} checks ran:\n{boot.Tail()}");
        Assert.All(checks, c => Assert.True(c.Groups[2].Value == "ok", $"{c.Groups[1].Value} failed"));
        Boots.AssertContains("runtime checks: 0 failed", boot);
    }

    [Theory]
    [InlineData("exit3", "panic: Main returned 3")]
    [InlineData("hypercall", "panic: hypercall xen_version(0x7fff) failed: -38 (ENOSYS)")]
    [InlineData("throw", "panic: unhandled exception: probe threw on purpose")]
    [InlineData("bounds", "panic: index out of range")]
    [InlineData("heap", "panic: out of heap memory: raise UnikernelHeapSize (")]
    [InlineData("nonsense", "probe: unknown mode")]
    public void Failures_print_what_failed_and_crash_the_domain(string mode, string message)
    {
        var boot = Boots.Run("probe", "mode=" + mode);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains(message, boot);
    }

    // Page 0 and the stack guard page are unmapped at entry, so these fault instead of corrupting memory.
    // Without a trap table yet, Xen kills the domain as crashed and dumps its registers, cr2 included.
    [Theory]
    [InlineData("null")]
    [InlineData("overflow")]
    public void Null_dereference_and_stack_overflow_fault_on_the_unmapped_page(string mode)
    {
        var boot = Boots.Run("probe", "mode=" + mode);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        var cr2 = Regex.Match(boot.Log, @"cr2: ([0-9a-f]{16})");
        Assert.True(cr2.Success, "Xen printed no cr2:\n" + boot.Tail());
        ulong faultAddress = ulong.Parse(cr2.Groups[1].Value, System.Globalization.NumberStyles.HexNumber);
        if (mode == "null")
        {
            Assert.Equal(0UL, faultAddress);
        }
        else
        {
            var symbols = ElfImage.ReadSymbols(System.IO.File.ReadAllBytes(Repo.Image("probe.sym")));
            ulong guard = symbols["uk_stack_guard"];
            Assert.InRange(faultAddress, guard, guard + 4095);
        }
    }

    [Fact]
    public void Console_output_loses_no_line()
    {
        var boot = Boots.Run("probe", "mode=flood");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        var numbers = Regex.Matches(boot.Log, @"^flood (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(Enumerable.Range(0, 2000), numbers);
    }
}
