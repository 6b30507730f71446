using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

namespace Unikernel.Bench.Report;

// The boot section: Hello with uk.boottime, as an xl domU at small sizes (one dom0 boot creates it repeatedly)
// and as dom0 at large ones. A size that fails or times out is a result, reported as such; nothing aborts.
public static class BootBench
{
    public const string TimelineOption = "uk.boottime";

    public sealed record Settings(string Image, string Cache, string OutDir, int Repeats, TimeSpan Dom0BootTimeout, TimeSpan Dom0SizeBudget, TimeSpan XlBootTimeout, bool Dom0Icount = true);

    // xl: every size in one dom0 boot, `xl create` of hello.cfg's image per repeat with its own name, memory
    // and maxmem set to the size (no ballooning above it), the timeline asked for on its command line.
    public static List<BootSample> RunXl(Settings settings, IReadOnlyList<int> sizes, TextWriter log)
    {
        var scenario = new XlScenario
        {
            Script = XlScript(sizes, settings.Repeats, (int)settings.XlBootTimeout.TotalSeconds),
            CacheDir = settings.Cache,
            // Dom0's 256 MiB plus room for the largest guest and Xen's own use of memory.
            QemuMemoryMiB = 256 + sizes.Max() + 256,
            Timeout = TimeSpan.FromSeconds(120 + sizes.Count * settings.Repeats * (settings.XlBootTimeout.TotalSeconds + 15)),
            SerialLog = Path.Combine(settings.OutDir, "boot-xl.log"),
        };
        scenario.Guests.Add(new XlGuest("hello", settings.Image, XlConfig(Path.GetFileName(settings.Image))));
        log.WriteLine($"ukbench: boot: xl, memory {string.Join(", ", sizes.Select(BootReport.Size))}, {settings.Repeats} boots each, one dom0 boot");
        var watch = Stopwatch.StartNew();
        XlResult result;
        try { result = XlSession.Run(scenario); }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // The environment could not be set up at all (download, initramfs): every size failed for that reason.
            return Everything(sizes, settings.Repeats, BootSample.Failed, $"xl environment: {FirstLine(e.Message)}");
        }
        var samples = XlSamples(result, sizes, settings.Repeats);
        log.WriteLine($"ukbench: boot: xl done in {watch.Elapsed.TotalSeconds:F0} s ({result.Boot.Outcome})");
        return samples;
    }

    public static string XlConfig(string kernel) => $"""
        name = "hello"
        type = "pv"
        kernel = "/scenario/{kernel}"
        memory = 32
        on_poweroff = "destroy"
        on_crash = "destroy"
        """;

    // bt_boot SIZE REPEAT: creates hello-SIZE-REPEAT and waits until it is gone (powered off, or crashed and
    // destroyed); a guest still there after the timeout is destroyed and the step fails with "timeout".
    public static string XlScript(IReadOnlyList<int> sizes, int repeats, int timeoutSeconds)
    {
        var script = new StringBuilder();
        script.AppendLine($$"""
            bt_boot() {
                _bt_name="hello-$1-$2"
                xl create hello.cfg "name=\"$_bt_name\"" "memory=$1" "maxmem=$1" 'extra="{{TimelineOption}}"' || return 1
                if ! wait_gone "$_bt_name" {{timeoutSeconds}}; then
                    echo "bt: timeout"
                    xl destroy "$_bt_name"
                    return 2
                fi
            }
            """);
        foreach (int size in sizes)
            for (int r = 1; r <= repeats; r++) script.AppendLine($"step boot-{size}-{r} bt_boot {size} {r}");
        return script.ToString();
    }

    public static string XlName(int size, int repeat) => $"hello-{size}-{repeat}";

    // Each boot's timeline from its console log; a boot without one says why: the step's output (xl create
    // refused), the guest's panic, a timeout, or how the whole run ended when it never got there.
    public static List<BootSample> XlSamples(XlResult result, IReadOnlyList<int> sizes, int repeats)
    {
        var samples = new List<BootSample>();
        foreach (int size in sizes)
            for (int r = 1; r <= repeats; r++)
            {
                string name = XlName(size, r);
                result.Files.TryGetValue($"console/guest-{name}.log", out var bytes);
                string console = bytes != null ? Encoding.UTF8.GetString(bytes) : "";
                BootPhases? phases = BootPhases.Parse(console);
                if (!result.Steps.TryGetValue($"boot-{size}-{r}", out var step))
                {
                    string why = result.SetupFailure != null ? $"xl environment setup step '{result.SetupFailure}' failed" : $"never ran: the dom0 boot ended ({result.Boot.Outcome})";
                    samples.Add(new BootSample(BootSample.Xl, size, r, BootSample.Failed, null, why));
                }
                else if (step.ExitCode == 2)
                    samples.Add(new BootSample(BootSample.Xl, size, r, BootSample.Timeout, phases, "still running when the wait ended"));
                else if (step.ExitCode != 0)
                    samples.Add(new BootSample(BootSample.Xl, size, r, BootSample.Failed, phases, $"xl create: {LastLine(step.Output)}"));
                else if (phases == null)
                    samples.Add(new BootSample(BootSample.Xl, size, r, BootSample.Failed, null, Panic(console) ?? "no boot timeline in its console"));
                else
                    samples.Add(new BootSample(BootSample.Xl, size, r, BootSample.Ok, phases, ""));
            }
        return samples;
    }

    // dom0: one QEMU boot per repeat, under -icount unless Dom0Icount is off. After a timeout the size's other repeats are skipped, and
    // no repeat starts once the size's boots have used its budget (the first always runs): the large sizes
    // take minutes each while memory setup grows with RAM, and -icount makes their repeats agree anyway.
    public static List<BootSample> RunDom0(Settings settings, IReadOnlyList<int> sizes, TextWriter log)
    {
        var samples = new List<BootSample>();
        foreach (int size in sizes)
        {
            var spent = TimeSpan.Zero;
            string? skip = null;
            for (int r = 1; r <= settings.Repeats; r++)
            {
                if (skip != null)
                {
                    samples.Add(new BootSample(BootSample.Dom0, size, r, BootSample.Skipped, null, skip));
                    continue;
                }
                log.WriteLine($"ukbench: boot: dom0 {BootReport.Size(size)}, boot {r} of {settings.Repeats} (timeout {settings.Dom0BootTimeout.TotalSeconds:F0} s)");
                var boot = XenBoot.Run(new BootOptions
                {
                    Image = settings.Image,
                    CommandLine = TimelineOption,
                    MemoryMiB = size,
                    Timeout = settings.Dom0BootTimeout,
                    CacheDir = settings.Cache,
                    SerialLog = Path.Combine(settings.OutDir, $"boot-dom0-{size}-{r}.log"),
                    Icount = settings.Dom0Icount,
                });
                spent += boot.Elapsed;
                var sample = Dom0Sample(boot, size, r, settings.Dom0BootTimeout);
                samples.Add(sample);
                log.WriteLine($"ukbench: boot: dom0 {BootReport.Size(size)}: {sample.Outcome}" + (sample.Phases != null ? $", main={sample.Phases.Main} us" : $" ({sample.Detail})") + $" in {boot.Elapsed.TotalSeconds:F0} s");
                if (sample.Outcome == BootSample.Timeout) skip = $"boot {r} timed out";
                else if (spent >= settings.Dom0SizeBudget) skip = $"the size's budget of {settings.Dom0SizeBudget.TotalSeconds:F0} s was spent";
            }
        }
        return samples;
    }

    public static BootSample Dom0Sample(BootResult boot, int size, int repeat, TimeSpan timeout)
    {
        var phases = BootPhases.Parse(boot.Log);
        return boot.Outcome switch
        {
            BootOutcome.PowerOff when phases != null => new BootSample(BootSample.Dom0, size, repeat, BootSample.Ok, phases, ""),
            BootOutcome.Timeout => new BootSample(BootSample.Dom0, size, repeat, BootSample.Timeout, phases, $"no poweroff within {timeout.TotalSeconds:F0} s"),
            _ => new BootSample(BootSample.Dom0, size, repeat, BootSample.Failed, phases, Panic(boot.Log) ?? $"{boot.Outcome}, no boot timeline"),
        };
    }

    private static List<BootSample> Everything(IReadOnlyList<int> sizes, int repeats, string outcome, string detail) =>
        sizes.SelectMany(size => Enumerable.Range(1, repeats).Select(r => new BootSample(BootSample.Xl, size, r, outcome, null, detail))).ToList();

    // The guest's "panic: ..." line (the platform's fatal message), if it printed one.
    private static string? Panic(string log) =>
        log.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("panic: ", StringComparison.Ordinal)) is { } line
            ? line[line.IndexOf("panic: ", StringComparison.Ordinal)..] : null;

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static string LastLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "(no output)";
}
