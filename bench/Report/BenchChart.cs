using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Unikernel.Bench.Report;

// A small self-contained SVG line chart: median cycles per operation against batch size (log2 axis) at the
// largest N, one line per operation and batching path, the direct (unbatched) cost as a dashed line of the
// same colour. Written by hand: no plotting library, so nothing to install.
public static class BenchChart
{
    private const int Width = 820, Height = 480, Left = 80, Right = 250, Top = 40, Bottom = 60;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];

    public static string Svg(IReadOnlyList<BenchLine> lines)
    {
        int n = lines.Max(l => l.N);
        var series = lines.Where(l => l.N == n && (l.Path == "multicall" || l.Path == "lazy"))
            .GroupBy(l => (l.Guest, l.Op, l.Path)).ToList();
        var batches = series.SelectMany(s => s.Select(l => l.Batch)).Distinct().OrderBy(b => b).ToList();
        long yMax = series.SelectMany(s => s).Max(l => l.Median);
        foreach (var s in series)
        {
            var direct = BenchReport.Find(lines, s.Key.Guest, s.Key.Op, "direct", 1, n);
            if (direct != null) yMax = Math.Max(yMax, direct.Median);
        }
        yMax = NiceCeiling(yMax);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(int batch) => Left + plotW * (Math.Log2(batch) / Math.Max(1, Math.Log2(batches.Max())));
        double Y(long v) => Top + plotH * (1 - (double)v / yMax);
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{Left}\" y=\"22\" font-size=\"14\">Hypercall batching under Xen (QEMU/TCG): cycles per operation, N = {n}</text>");
        for (int i = 0; i <= 5; i++)
        {
            long v = yMax * i / 5;
            svg.AppendLine($"<line x1=\"{Left}\" y1=\"{F(Y(v))}\" x2=\"{Width - Right}\" y2=\"{F(Y(v))}\" stroke=\"#ddd\"/>");
            svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{v}</text>");
        }
        foreach (int b in batches)
            svg.AppendLine($"<text x=\"{F(X(b))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{b}</text>");
        svg.AppendLine($"<text x=\"{Left + plotW / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">batch size (operations per hypervisor entry)</text>");
        svg.AppendLine($"<text transform=\"translate(18 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">median cycles per operation (TSC)</text>");
        svg.AppendLine($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#444\"/>");

        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            string colour = Colours[i % Colours.Length];
            string label = $"{s.Key.Op} {s.Key.Path}{(s.Key.Guest == BenchReport.C ? " (C)" : "")}";
            var points = string.Join(' ', s.OrderBy(l => l.Batch).Select(l => $"{F(X(l.Batch))},{F(Y(l.Median))}"));
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>");
            foreach (var l in s) svg.AppendLine($"<circle cx=\"{F(X(l.Batch))}\" cy=\"{F(Y(l.Median))}\" r=\"3\" fill=\"{colour}\"/>");
            var direct = BenchReport.Find(lines, s.Key.Guest, s.Key.Op, "direct", 1, n);
            if (direct != null)
                svg.AppendLine($"<line x1=\"{Left}\" y1=\"{F(Y(direct.Median))}\" x2=\"{Width - Right}\" y2=\"{F(Y(direct.Median))}\" stroke=\"{colour}\" stroke-dasharray=\"4 4\" opacity=\"0.6\"/>");
            double ly = Top + 10 + i * 20;
            svg.AppendLine($"<line x1=\"{Width - Right + 12}\" y1=\"{F(ly)}\" x2=\"{Width - Right + 36}\" y2=\"{F(ly)}\" stroke=\"{colour}\" stroke-width=\"2\"/>");
            svg.AppendLine($"<text x=\"{Width - Right + 42}\" y=\"{F(ly + 4)}\">{label}</text>");
        }
        double ny = Top + 10 + series.Count * 20;
        svg.AppendLine($"<text x=\"{Width - Right + 12}\" y=\"{F(ny + 4)}\" fill=\"#555\">dashed: same op, direct</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static long NiceCeiling(long v)
    {
        long step = (long)Math.Pow(10, Math.Max(0, Math.Floor(Math.Log10(Math.Max(1, v)))));
        return (v + step - 1) / step * step;
    }
}
