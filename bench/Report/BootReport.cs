using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Unikernel.Bench.Report;

// What the boot section says per host and memory size: how many boots reached Main, entry-to-Main min/median/
// max and the median memory-setup phase; a size none of whose boots reached Main says how they ended.
public sealed record BootSummary(string Host, int MemoryMiB, int Boots, int Ok, long? Min, long? Median, long? Max, long? MemorySetupMedian, string Result);

// The boot section's Markdown table and SVG chart.
public static class BootReport
{
    public static List<BootSummary> Summarize(IReadOnlyList<BootSample> samples) =>
        samples.GroupBy(s => (s.Host, s.MemoryMiB)).Select(g =>
        {
            var ok = g.Where(s => s.Outcome == BootSample.Ok && s.Phases != null).Select(s => s.Phases!).ToList();
            var main = ok.Select(p => p.Main).OrderBy(v => v).ToList();
            var memory = ok.Select(p => p.Memory).OrderBy(v => v).ToList();
            return new BootSummary(g.Key.Host, g.Key.MemoryMiB, g.Count(), ok.Count,
                main.Count > 0 ? main[0] : null, Median(main), main.Count > 0 ? main[^1] : null, Median(memory), Result(g.ToList()));
        }).ToList();

    // The middle value; for an even count the lower of the two middle ones (a value that was measured).
    private static long? Median(List<long> sorted) => sorted.Count == 0 ? null : sorted[(sorted.Count - 1) / 2];

    // "ok", or what went wrong: each outcome other than ok with its count and its first detail.
    private static string Result(List<BootSample> boots)
    {
        var bad = boots.Where(b => b.Outcome != BootSample.Ok).GroupBy(b => b.Outcome).ToList();
        if (bad.Count == 0) return BootSample.Ok;
        return string.Join("; ", bad.Select(g => $"{g.Count()} {g.Key}" + (g.First().Detail.Length > 0 ? $": {g.First().Detail}" : "")));
    }

    public static string Markdown(IReadOnlyList<BootSample> samples, IReadOnlyDictionary<string, string> timeBases)
    {
        var summaries = Summarize(samples);
        var sb = new StringBuilder();
        sb.AppendLine("Hello's entry-to-Main from its own boot timeline (`uk.boottime`), in ms since the platform's entry; min/median/max over the boots that reached Main; `memory setup` = the median memory phase; `vs smallest` = median relative to the host's smallest size that booted.");
        sb.AppendLine();
        sb.AppendLine("| host | memory | boots ok | entry-to-Main median (ms) | min | max | memory setup (ms) | vs smallest | result |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var host in summaries.Select(s => s.Host).Distinct())
        {
            var rows = summaries.Where(s => s.Host == host).OrderBy(s => s.MemoryMiB).ToList();
            var smallest = rows.FirstOrDefault(r => r.Median != null);
            foreach (var r in rows)
            {
                string vs = r.Median is { } m && smallest?.Median is { } s0 && s0 > 0 ? ((double)m / s0).ToString("0.00", CultureInfo.InvariantCulture) : "-";
                sb.AppendLine($"| {host} | {Size(r.MemoryMiB)} | {r.Ok} of {r.Boots} | {Ms(r.Median)} | {Ms(r.Min)} | {Ms(r.Max)} | {Ms(r.MemorySetupMedian)} | {vs} | {Cell(r.Result)} |");
            }
        }
        sb.AppendLine();
        foreach (var (host, basis) in timeBases.Where(t => summaries.Any(s => s.Host == t.Key))) sb.AppendLine($"- {host}: {basis}");
        return sb.ToString();
    }

    public static string Size(int mib) => mib >= 1024 && mib % 1024 == 0 ? $"{mib / 1024} GiB" : $"{mib} MiB";

    private static string Ms(long? microseconds) =>
        microseconds is { } us ? (us / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) : "-";

    // A table cell holds one line without pipes.
    private static string Cell(string text) => text.Replace('|', '/').Replace('\n', ' ').Replace('\r', ' ');

    private const int Width = 800, Height = 440, Left = 80, Right = 210, Top = 40, Bottom = 60;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    // Median entry-to-Main against memory, both axes logarithmic, one line per host with min-max whiskers; a
    // size with no boot that reached Main is a cross on the x axis labelled with how it ended.
    // labels: the legend text per host (its time base, say); the host's name where there is none.
    public static string Svg(IReadOnlyList<BootSample> samples, IReadOnlyDictionary<string, string>? labels = null)
    {
        var summaries = Summarize(samples);
        var sizes = summaries.Select(s => s.MemoryMiB).Distinct().OrderBy(m => m).ToList();
        var values = summaries.Where(s => s.Median != null).SelectMany(s => new[] { s.Min!.Value, s.Max!.Value }).Where(v => v > 0).ToList();
        double lo = Math.Floor(Math.Log10(values.Count > 0 ? values.Min() / 1000.0 : 1)), hi = Math.Ceiling(Math.Log10(values.Count > 0 ? values.Max() / 1000.0 : 10));
        if (hi <= lo) hi = lo + 1;
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double xLo = Math.Log2(sizes.Count > 0 ? sizes[0] : 1), xHi = Math.Log2(sizes.Count > 0 ? sizes[^1] : 2);
        if (xHi <= xLo) xHi = xLo + 1;
        double X(int mib) => Left + plotW * (Math.Log2(mib) - xLo) / (xHi - xLo);
        double Y(long us) => Top + plotH * (1 - (Math.Log10(Math.Max(us, 1) / 1000.0) - lo) / (hi - lo));
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{Left}\" y=\"22\" font-size=\"14\">Hello under Xen (QEMU/TCG): entry to Main against memory</text>");
        for (double e = lo; e <= hi; e++)
        {
            double y = Y((long)(Math.Pow(10, e) * 1000));
            svg.AppendLine($"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Width - Right}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>");
            svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Math.Pow(10, e).ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        }
        foreach (int m in sizes)
            svg.AppendLine($"<text x=\"{F(X(m))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{Size(m)}</text>");
        svg.AppendLine($"<text x=\"{Left + plotW / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">guest memory</text>");
        svg.AppendLine($"<text transform=\"translate(18 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">entry to Main (ms, log scale)</text>");
        svg.AppendLine($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#444\"/>");

        var hosts = summaries.Select(s => s.Host).Distinct().ToList();
        for (int i = 0; i < hosts.Count; i++)
        {
            string colour = Colours[i % Colours.Length];
            var rows = summaries.Where(s => s.Host == hosts[i]).OrderBy(s => s.MemoryMiB).ToList();
            var ok = rows.Where(r => r.Median != null).ToList();
            if (ok.Count > 1)
                svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(' ', ok.Select(r => $"{F(X(r.MemoryMiB))},{F(Y(r.Median!.Value))}"))}\"/>");
            foreach (var r in ok)
            {
                double x = X(r.MemoryMiB);
                svg.AppendLine($"<line x1=\"{F(x)}\" y1=\"{F(Y(r.Min!.Value))}\" x2=\"{F(x)}\" y2=\"{F(Y(r.Max!.Value))}\" stroke=\"{colour}\"/>");
                svg.AppendLine($"<circle cx=\"{F(x)}\" cy=\"{F(Y(r.Median!.Value))}\" r=\"3.5\" fill=\"{colour}\"/>");
            }
            foreach (var r in rows.Where(r => r.Median == null))
            {
                double x = X(r.MemoryMiB), y = Top + plotH - 8 - 14 * i;
                svg.AppendLine($"<path d=\"M{F(x - 5)},{F(y - 5)} L{F(x + 5)},{F(y + 5)} M{F(x - 5)},{F(y + 5)} L{F(x + 5)},{F(y - 5)}\" stroke=\"{colour}\" stroke-width=\"2\"/>");
                string how = r.Result.Contains(BootSample.Timeout, StringComparison.Ordinal) ? "timeout" : "failed";
                svg.AppendLine($"<text x=\"{F(x + 8)}\" y=\"{F(y + 4)}\" fill=\"{colour}\">{hosts[i]}: {how}</text>");
            }
            double ly = Top + 10 + i * 20;
            svg.AppendLine($"<line x1=\"{Width - Right + 12}\" y1=\"{F(ly)}\" x2=\"{Width - Right + 36}\" y2=\"{F(ly)}\" stroke=\"{colour}\" stroke-width=\"2\"/>");
            svg.AppendLine($"<text x=\"{Width - Right + 42}\" y=\"{F(ly + 4)}\">{(labels != null && labels.TryGetValue(hosts[i], out var label) ? label : hosts[i])}</text>");
        }
        svg.AppendLine($"<text x=\"{Width - Right + 12}\" y=\"{F(Top + 10 + hosts.Count * 20 + 4)}\" fill=\"#555\">dot: median; bar: min-max</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
