using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Bench.Report;

// ukbench: boots the hypercall benchmark guest and its C baseline under Xen in QEMU, collects their
// bench lines and writes hypercalls.csv, hypercalls.svg and the Markdown table (also printed); then the boot
// section (BootBench): Hello's boot timeline at several memory sizes, as boot.csv, boot.svg and boot.md.
public static class BenchCommand
{
    private static string s_tscMhz = "unknown"; // from Xen's "Detected N MHz processor" line

    public static RootCommand Create()
    {
        var images = new Option<string>("--images") { Description = "Folder with hypercallbench.elf, cbaseline.elf and hello.elf", DefaultValueFactory = _ => "artifacts/images" };
        var output = new Option<string>("--out") { Description = "Folder for hypercalls.* and boot.* (csv, svg, md) and the serial logs", DefaultValueFactory = _ => "artifacts/bench" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds per hypercall benchmark boot before giving up", DefaultValueFactory = _ => 300 };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var realtime = new Option<bool>("--realtime") { Description = "Run QEMU without -icount: the TSC follows the host clock (noisier) instead of counting instructions (hypercall section)" };
        var sections = new Option<string>("--sections") { Description = "Which sections to run: hypercalls, boot or both (comma-separated)", DefaultValueFactory = _ => "hypercalls,boot" };
        var repeats = new Option<int>("--boot-repeats") { Description = "Boots per memory size in the boot section", DefaultValueFactory = _ => 3 };
        var xlSizes = new Option<string>("--xl-sizes") { Description = "MiB of memory= for the xl boots", DefaultValueFactory = _ => "4,8,32,256" };
        var dom0Sizes = new Option<string>("--dom0-sizes") { Description = "MiB of QEMU memory for the dom0 boots", DefaultValueFactory = _ => "32,128,1024,4096" };
        var dom0Timeout = new Option<int>("--dom0-boot-timeout") { Description = "Seconds per dom0 boot before it counts as a timeout", DefaultValueFactory = _ => 900 };
        var dom0Budget = new Option<int>("--dom0-size-budget") { Description = "Seconds of dom0 boots per size after which no further repeat starts", DefaultValueFactory = _ => 300 };
        var dom0Realtime = new Option<bool>("--dom0-realtime") { Description = "Boot the dom0 sizes without -icount: real time like the xl boots (comparable with them, noisier) instead of instruction-counted virtual time" };
        var xlTimeout = new Option<int>("--xl-boot-timeout") { Description = "Seconds per xl boot before it counts as a timeout", DefaultValueFactory = _ => 120 };
        var command = new RootCommand("Run the benchmarks under Xen and report: hypercall batching, and Hello's boot time against memory")
        {
            images, output, timeout, cache, realtime, sections, repeats, xlSizes, dom0Sizes, dom0Timeout, dom0Budget, dom0Realtime, xlTimeout,
        };
        command.Subcommands.Add(BlockBenchCommand.Create());
        command.Subcommands.Add(NetBenchCommand.Create());
        command.SetAction(result =>
        {
            try
            {
                string imageDir = Path.GetFullPath(result.GetValue(images)!), outDir = Path.GetFullPath(result.GetValue(output)!);
                string cacheDir = Path.GetFullPath(result.GetValue(cache)!);
                var chosen = result.GetValue(sections)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (chosen.Length == 0 || chosen.Any(c => c is not ("hypercalls" or "boot")))
                    throw new ArgumentException($"--sections takes hypercalls, boot or both, not '{result.GetValue(sections)}'");
                Directory.CreateDirectory(outDir);
                if (chosen.Contains("hypercalls"))
                    Hypercalls(imageDir, outDir, cacheDir, result.GetValue(timeout), !result.GetValue(realtime));
                if (chosen.Contains("boot"))
                {
                    int boots = result.GetValue(repeats);
                    if (boots < 1) throw new ArgumentException("--boot-repeats must be at least 1");
                    var settings = new BootBench.Settings(Path.Combine(imageDir, "hello.elf"), cacheDir, outDir, boots,
                        TimeSpan.FromSeconds(result.GetValue(dom0Timeout)), TimeSpan.FromSeconds(result.GetValue(dom0Budget)),
                        TimeSpan.FromSeconds(result.GetValue(xlTimeout)), Dom0Icount: !result.GetValue(dom0Realtime));
                    Boot(settings, Sizes(result.GetValue(xlSizes)!, "--xl-sizes"), Sizes(result.GetValue(dom0Sizes)!, "--dom0-sizes"));
                }
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or FormatException or ArgumentException)
            {
                Console.Error.WriteLine($"ukbench: error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void Hypercalls(string imageDir, string outDir, string cacheDir, int timeoutSeconds, bool counted)
    {
        var lines = new List<BenchLine>();
        lines.AddRange(Boot(Path.Combine(imageDir, "hypercallbench.elf"), BenchReport.CSharp, timeoutSeconds, cacheDir, outDir, counted));
        lines.AddRange(Boot(Path.Combine(imageDir, "cbaseline.elf"), BenchReport.C, timeoutSeconds, cacheDir, outDir, counted));
        Console.WriteLine(counted
            ? $"ukbench: time base: QEMU -icount shift=7 (128 ns of virtual time per instruction) and a {s_tscMhz} MHz TSC as Xen detected it: cycles count executed instructions"
            : $"ukbench: time base: QEMU without -icount and a {s_tscMhz} MHz TSC as Xen detected it: cycles follow the host clock");

        File.WriteAllLines(Path.Combine(outDir, "hypercalls.csv"), lines.Select(l => l.ToCsv()).Prepend(BenchLine.CsvHeader));
        File.WriteAllText(Path.Combine(outDir, "hypercalls.svg"), BenchChart.Svg(lines));
        string table = BenchReport.Markdown(lines);
        File.WriteAllText(Path.Combine(outDir, "hypercalls.md"), table);
        Console.WriteLine(table);
        Console.WriteLine($"ukbench: wrote {lines.Count} results to {Path.Combine(outDir, "hypercalls.csv")}, hypercalls.svg and hypercalls.md");
    }

    // The boot section. Failed, timed-out and skipped boots are results: they go in the CSV and the table.
    private static void Boot(BootBench.Settings settings, IReadOnlyList<int> xlSizes, IReadOnlyList<int> dom0Sizes)
    {
        if (!File.Exists(settings.Image)) throw new FileNotFoundException($"boot section: {settings.Image} not found (build first)");
        var samples = new List<BootSample>();
        if (xlSizes.Count > 0) samples.AddRange(BootBench.RunXl(settings, xlSizes, Console.Out));
        if (dom0Sizes.Count > 0) samples.AddRange(BootBench.RunDom0(settings, dom0Sizes, Console.Out));
        var timeBases = new Dictionary<string, string>
        {
            [BootSample.Xl] = "a domU created with `xl create` from a Linux dom0, all boots in one dom0 boot; real time under TCG (Linux dom0 runs without -icount), so the figures move with host load: compare minimums",
            [BootSample.Dom0] = settings.Dom0Icount
                ? "Hello booted as dom0, one QEMU boot each, with -icount shift=7: virtual time, 128 ns per instruction executed (guest and Xen), so repeats agree and only ratios within the host mean anything (`--dom0-realtime` for real time, comparable with xl)"
                : "Hello booted as dom0, one QEMU boot each, without -icount (`--dom0-realtime`): real time under TCG, like the xl boots, and as noisy",
        };
        File.WriteAllLines(Path.Combine(settings.OutDir, "boot.csv"), samples.Select(s => s.ToCsv()).Prepend(BootSample.CsvHeader));
        var legend = new Dictionary<string, string>
        {
            [BootSample.Xl] = "xl (real time)",
            [BootSample.Dom0] = settings.Dom0Icount ? "dom0 (-icount, virtual)" : "dom0 (real time)",
        };
        File.WriteAllText(Path.Combine(settings.OutDir, "boot.svg"), BootReport.Svg(samples, legend));
        // The image booted, as shipped (what issue 16 compares with Mini-OS's 75,864 bytes).
        string table = BootReport.Markdown(samples, timeBases)
            + $"- image: {Path.GetFileName(settings.Image)}, {new FileInfo(settings.Image).Length:N0} bytes as shipped\n";
        File.WriteAllText(Path.Combine(settings.OutDir, "boot.md"), table);
        Console.WriteLine(table);
        Console.WriteLine($"ukbench: wrote {samples.Count} boots to {Path.Combine(settings.OutDir, "boot.csv")}, boot.svg and boot.md");
    }

    // "4,32,256" -> sizes in MiB; empty skips that host.
    public static List<int> Sizes(string text, string option)
    {
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int mib) || mib < 1)
                throw new ArgumentException($"{option}: '{part}' is not a memory size in MiB");
            sizes.Add(mib);
        }
        return sizes;
    }

    private static List<BenchLine> Boot(string image, string guest, int timeoutSeconds, string cache, string outDir, bool instructionCountedTime)
    {
        string name = Path.GetFileNameWithoutExtension(image);
        Directory.CreateDirectory(outDir);
        Console.WriteLine($"ukbench: benchmarking {image} under Xen in QEMU (TCG)");
        var boot = XenBoot.Run(new BootOptions
        {
            Image = image,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            CacheDir = cache,
            SerialLog = Path.Combine(outDir, name + ".log"),
            Icount = instructionCountedTime,
        });
        // A run that did not finish cleanly is no result: partial figures would be read as complete.
        if (boot.Outcome != BootOutcome.PowerOff || !boot.Log.Contains($"bench-end {name}", StringComparison.Ordinal))
            throw new InvalidOperationException($"{name} did not finish ({boot.Outcome} after {boot.Elapsed.TotalSeconds:F1} s):\n{boot.Tail()}");
        var mhz = System.Text.RegularExpressions.Regex.Match(boot.Log, @"Detected ([0-9.]+) MHz processor");
        if (mhz.Success) s_tscMhz = mhz.Groups[1].Value;
        var lines = BenchLine.Parse(guest, boot.Log);
        if (lines.Count == 0) throw new InvalidOperationException($"{name} printed no bench lines");
        Console.WriteLine($"ukbench: {name}: {lines.Count} results in {boot.Elapsed.TotalSeconds:F1} s");
        return lines;
    }
}
