using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Unikernel.Bench.Report;

namespace Unikernel.Tests.Bench.Report;

// The host half of the hypercall benchmark: parsing guest lines, the ratios in the table, the chart.
public class BenchReportTests
{
    private const string CSharpLog = """
        (XEN) noise
        bench-begin hypercallbench
        bench,mmu_update,direct,1,16,1000,1100,1300,16
        bench,mmu_update,multicall,32,16,700,720,800,1
        bench,mmu_update,lazy,32,16,500,550,600,1
        bench,mmu_update,native,16,16,400,440,480,1
        bench,xen_version,direct,1,16,300,330,390,16
        bench,xen_version,multicall,32,16,200,220,260,1
        bench-end hypercallbench
        """;
    private const string CLog = """
        bench,mmu_update,direct,1,16,1000,1000,1000,16
        bench,mmu_update,multicall,32,16,550,600,650,1
        """;

    private static List<BenchLine> Lines()
    {
        var lines = BenchLine.Parse(BenchReport.CSharp, CSharpLog);
        lines.AddRange(BenchLine.Parse(BenchReport.C, CLog));
        return lines;
    }

    [Fact]
    public void Bench_lines_are_parsed_field_by_field_and_other_lines_ignored()
    {
        var lines = Lines();
        Assert.Equal(8, lines.Count);
        Assert.Equal(new BenchLine("csharp", "mmu_update", "multicall", 32, 16, 700, 720, 800, 1), lines[1]);
        Assert.Equal("csharp,mmu_update,multicall,32,16,700,720,800,1", lines[1].ToCsv());
        Assert.Equal(9, BenchLine.CsvHeader.Split(',').Length);
    }

    [Theory]
    [InlineData("bench,mmu_update,direct,1,16,1000,1100,1300")]
    [InlineData("bench,mmu_update,direct,1,16,1000,1100,13x0,16")]
    [InlineData("bench,mmu_update,direct,-1,16,1000,1100,1300,16")]
    public void A_malformed_bench_line_is_an_error(string line) =>
        Assert.Throws<FormatException>(() => BenchLine.Parse("csharp", "bench-begin\n" + line + "\n"));

    [Fact]
    public void The_table_gives_ratios_to_direct_to_c_and_to_the_native_floor()
    {
        string table = BenchReport.Markdown(Lines());
        Assert.Contains("| mmu_update | multicall | 32 | 720 | 700 | 800 | 0.65 | 1 |", table); // 720 / 1100
        Assert.Contains("| xen_version | multicall | 32 | 220 | 200 | 260 | 0.67 | 1 |", table); // 220 / 330
        Assert.Contains("| direct | 1 | 1100 | 1000 | 1.10 |", table);                         // C# / C
        Assert.Contains("| multicall | 32 | 720 | 600 | 1.20 |", table);
        Assert.Contains("mmu_update lazy, batch 32: 550 cycles/op = 1.25 x the native floor (440); 0.50 x direct (1100).", table);
        Assert.Contains("Xen's work per request (the native floor) is 0.40 of a single call, so no batching can cost less than 0.40 x direct here", table);
        Assert.DoesNotContain("removable cost", table); // no native array of 32 in this run to compare with
    }

    [Fact]
    public void The_table_says_how_much_of_the_removable_cost_batching_removes()
    {
        var lines = Lines();
        lines.Add(new BenchLine(BenchReport.CSharp, "mmu_update", "native", 32, 16, 450, 460, 470, 1));
        string table = BenchReport.Markdown(lines);
        // removable: 1100 - 440 = 660; lazy saves 1100 - 550 = 550 (83%), the array of 32 1100 - 460 = 640 (97%)
        Assert.Contains("Of that removable cost, lazy batch 32 removes 83%, native arrays of 32 97%.", table);
    }

    [Fact]
    public void The_chart_has_one_line_per_batched_operation_and_path()
    {
        string svg = BenchChart.Svg(Lines());
        // csharp mmu_update multicall, csharp mmu_update lazy, csharp xen_version multicall, c mmu_update multicall
        Assert.Equal(4, Regex.Matches(svg, "<polyline ").Count);
        Assert.Contains("mmu_update multicall (C)", svg);
        Assert.StartsWith("<svg", svg);
        Assert.EndsWith("</svg>", svg.TrimEnd());
    }
}
