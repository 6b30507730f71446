using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Bench.Report;

// The frame of ukbench's xl-environment benchmarks (block, net): the options they share, --table-only from
// the CSV of an earlier run, the CSV and the Markdown table written to --out and printed, errors as one line.
public static class XlBenchCommand
{
    public sealed record Settings(string ImageDir, string CacheDir, string OutDir, string Clang, ParseResult Result);

    public static Command Create<TRow>(string name, string description, string imagesHelp, string clangHelp, string csvHeader,
        Func<TRow, string> toCsv, Func<string[], TRow> fromCsv, Func<Settings, List<TRow>> run, Func<IReadOnlyList<TRow>, string> markdown,
        params Option[] extra)
    {
        var images = new Option<string>("--images") { Description = imagesHelp, DefaultValueFactory = _ => "artifacts/images" };
        var output = new Option<string>("--out") { Description = $"Folder for {name}.csv, {name}.md and the serial log", DefaultValueFactory = _ => "artifacts/bench" };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var again = new Option<bool>("--table-only") { Description = $"Only rewrite {name}.md from the {name}.csv in --out (no boot)" };
        var clang = new Option<string>("--clang") { Description = clangHelp, DefaultValueFactory = _ => StaticTool.DefaultClang };
        var command = new Command(name, description) { images, output, cache, again, clang };
        foreach (var option in extra) command.Options.Add(option);
        command.SetAction(result =>
        {
            try
            {
                string outDir = Path.GetFullPath(result.GetValue(output)!);
                Directory.CreateDirectory(outDir);
                string csv = Path.Combine(outDir, name + ".csv");
                var rows = result.GetValue(again)
                    ? File.ReadAllLines(csv).Skip(1).Select(l => fromCsv(l.Split(','))).ToList()
                    : run(new Settings(Path.GetFullPath(result.GetValue(images)!), Path.GetFullPath(result.GetValue(cache)!), outDir, result.GetValue(clang)!, result));
                File.WriteAllLines(csv, rows.Select(toCsv).Prepend(csvHeader));
                string table = markdown(rows);
                File.WriteAllText(Path.Combine(outDir, name + ".md"), table);
                Console.WriteLine(table);
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or TimeoutException or ArgumentException
                or System.ComponentModel.Win32Exception)
            {
                Console.Error.WriteLine($"ukbench: error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
