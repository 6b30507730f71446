using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Bench.Report;

// ukbench: boots the hypercall benchmark guest and its C baseline under Xen in QEMU, collects their
// bench lines and writes hypercalls.csv, hypercalls.svg and the Markdown table (also printed).
public static class BenchCommand
{
    private static string s_tscMhz = "unknown"; // from Xen's "Detected N MHz processor" line

    public static RootCommand Create()
    {
        var images = new Option<string>("--images") { Description = "Folder with hypercallbench.elf and cbaseline.elf", DefaultValueFactory = _ => "artifacts/images" };
        var output = new Option<string>("--out") { Description = "Folder for hypercalls.csv, .svg and .md", DefaultValueFactory = _ => "artifacts/bench" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds per boot before giving up", DefaultValueFactory = _ => 300 };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var realtime = new Option<bool>("--realtime") { Description = "Run QEMU without -icount: the TSC follows the host clock (noisier) instead of counting instructions" };
        var command = new RootCommand("Run the hypercall batching benchmark guests under Xen and report") { images, output, timeout, cache, realtime };
        command.Subcommands.Add(BlockBenchCommand.Create());
        command.SetAction(result =>
        {
            try
            {
                string imageDir = Path.GetFullPath(result.GetValue(images)!), outDir = Path.GetFullPath(result.GetValue(output)!);
                bool counted = !result.GetValue(realtime);
                string cacheDir = Path.GetFullPath(result.GetValue(cache)!);
                var lines = new List<BenchLine>();
                lines.AddRange(Boot(Path.Combine(imageDir, "hypercallbench.elf"), BenchReport.CSharp, result.GetValue(timeout), cacheDir, outDir, counted));
                lines.AddRange(Boot(Path.Combine(imageDir, "cbaseline.elf"), BenchReport.C, result.GetValue(timeout), cacheDir, outDir, counted));
                Console.WriteLine(counted
                    ? $"ukbench: time base: QEMU -icount shift=7 (128 ns of virtual time per instruction) and a {s_tscMhz} MHz TSC as Xen detected it: cycles count executed instructions"
                    : $"ukbench: time base: QEMU without -icount and a {s_tscMhz} MHz TSC as Xen detected it: cycles follow the host clock");

                Directory.CreateDirectory(outDir);
                File.WriteAllLines(Path.Combine(outDir, "hypercalls.csv"), lines.Select(l => l.ToCsv()).Prepend(BenchLine.CsvHeader));
                File.WriteAllText(Path.Combine(outDir, "hypercalls.svg"), BenchChart.Svg(lines));
                string table = BenchReport.Markdown(lines);
                File.WriteAllText(Path.Combine(outDir, "hypercalls.md"), table);
                Console.WriteLine(table);
                Console.WriteLine($"ukbench: wrote {lines.Count} results to {Path.Combine(outDir, "hypercalls.csv")}, hypercalls.svg and hypercalls.md");
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
