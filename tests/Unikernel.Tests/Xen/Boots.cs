using System;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// Boot-test helpers: run an image under Xen in QEMU and assert what it did, for every boot test.
public static class Boots
{
    public static BootResult Run(string image, string cmdline = "", string xenOptions = "", int memoryMiB = 256, int timeoutSeconds = 90,
        bool symbolize = true, string? cpuModel = null, params SerialReply[] replies)
    {
        var result = XenBoot.Run(new BootOptions
        {
            Image = Repo.Image(image),
            CommandLine = cmdline,
            XenOptions = xenOptions,
            MemoryMiB = memoryMiB,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            CacheDir = Repo.Cache,
            Replies = replies,
            Symbolize = symbolize,
            CpuModel = cpuModel,
        });
        return result;
    }

    // Asserts the outcome and, when it is wrong, shows the end of the serial log.
    public static void AssertOutcome(BootOutcome expected, BootResult result) =>
        Assert.True(result.Outcome == expected,
            $"expected {expected}, got {result.Outcome} after {result.Elapsed.TotalSeconds:F1} s; serial log tail:\n{result.Tail()}");

    public static void AssertContains(string expected, BootResult result) =>
        Assert.True(result.Log.Contains(expected, StringComparison.Ordinal),
            $"serial log lacks \"{expected}\"; tail:\n{result.Tail()}");

    // The probe prints "check <name>: ok|FAIL" per in-guest check (CheckReport.cs); all must be ok.
    // Returns how many there were, for the caller to compare with what the mode runs.
    public static int AssertGuestChecksPassed(BootResult result) => AssertGuestChecksPassed(result.Log, result.Tail());

    // The same over any guest output (a domU's console log); context is what a failure shows.
    public static int AssertGuestChecksPassed(string output, string context)
    {
        var checks = Regex.Matches(output, @"^check (\S+): (\w+)$", RegexOptions.Multiline);
        Assert.All(checks, c => Assert.True(c.Groups[2].Value == "ok", $"{c.Groups[1].Value} failed:\n{context}"));
        return checks.Count;
    }

    // Boots the probe in a mode of in-guest checks and asserts the whole report: a clean power-off, exactly
    // `checks` check lines, all ok, and the mode's closing "<summary>: 0 failed".
    public static BootResult RunProbeChecks(string cmdline, int checks, string summary)
    {
        var boot = Run("probe", cmdline);
        AssertOutcome(BootOutcome.PowerOff, boot);
        Assert.Equal(checks, AssertGuestChecksPassed(boot));
        AssertContains(summary + ": 0 failed", boot);
        return boot;
    }
}
