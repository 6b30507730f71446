using System;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// Boot tests each run a whole QEMU; on two cores they run one at a time, beside the host-only tests.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class XenCollection
{
    public const string Name = "Xen boots";
}

public static class Boots
{
    public static BootResult Run(string image, string cmdline = "", string xenOptions = "", int memoryMiB = 256, int timeoutSeconds = 90,
        bool symbolize = true, params SerialReply[] replies)
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
    public static int AssertGuestChecksPassed(BootResult result)
    {
        var checks = Regex.Matches(result.Log, @"^check (\S+): (\w+)$", RegexOptions.Multiline);
        Assert.All(checks, c => Assert.True(c.Groups[2].Value == "ok", $"{c.Groups[1].Value} failed:\n{result.Tail()}"));
        return checks.Count;
    }
}
