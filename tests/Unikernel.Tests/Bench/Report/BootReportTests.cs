using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Unikernel.Bench.Report;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Bench.Report;

// The host half of the boot section: the timeline line, what each way a boot can end becomes, the summary's
// min/median/max, the CSV, table and chart.
public class BootReportTests
{
    private static BootPhases Phases(long main) => new(10, 20, 30, 40, main - 5, main);

    private static BootSample Ok(string host, int mib, int repeat, long main) => new(host, mib, repeat, BootSample.Ok, Phases(main), "");

    [Fact]
    public void The_timeline_line_is_parsed_field_by_field_among_other_output()
    {
        const string log = "(XEN) noise\nmemory: map=9 entries\r\nboottime: console=33 statics=70 events=6780 xenstore=6917 memory=4532563 main=4532794 us\r\nHello from Unikernel.NET!\n";
        Assert.Equal(new BootPhases(33, 70, 6780, 6917, 4532563, 4532794), BootPhases.Parse(log));
        Assert.Null(BootPhases.Parse("Hello from Unikernel.NET!\n"));
    }

    [Theory]
    [InlineData("boottime: console=1 statics=2 events=3 xenstore=4 memory=5 us")]
    [InlineData("boottime: console=1 statics=2 events=3 xenstore=4 memory=5 main=x us")]
    [InlineData("boottime: main=6 console=1 statics=2 events=3 xenstore=4 memory=5 us")]
    public void A_changed_timeline_format_is_an_error_not_a_boot_that_never_reached_main(string line)
    {
        Assert.Throws<FormatException>(() => BootPhases.Parse(line));
    }

    [Fact]
    public void Each_size_gets_min_median_and_max_of_the_boots_that_reached_main()
    {
        var samples = new List<BootSample>
        {
            Ok("dom0", 1024, 1, 3000), Ok("dom0", 1024, 2, 1000), Ok("dom0", 1024, 3, 2000),
            Ok("xl", 32, 1, 500), new("xl", 32, 2, BootSample.Failed, null, "panic: x"), Ok("xl", 32, 3, 700),
        };
        var summaries = BootReport.Summarize(samples);
        var dom0 = summaries.Single(s => s.Host == "dom0");
        Assert.Equal((3, 3, 1000L, 2000L, 3000L, 1995L, "ok"), (dom0.Boots, dom0.Ok, dom0.Min, dom0.Median, dom0.Max, dom0.MemorySetupMedian, dom0.Result));
        var xl = summaries.Single(s => s.Host == "xl");
        // Two boots: the lower middle, a value that was measured.
        Assert.Equal((3, 2, 500L, 500L, 700L, "1 failed: panic: x"), (xl.Boots, xl.Ok, xl.Min, xl.Median, xl.Max, xl.Result));
    }

    [Fact]
    public void A_size_that_never_reached_main_is_a_row_saying_how_its_boots_ended()
    {
        var samples = new List<BootSample>
        {
            new("xl", 4, 1, BootSample.Failed, null, "panic: memory setup: no room for the p2m after the page tables"),
            new("xl", 4, 2, BootSample.Failed, null, "panic: memory setup: no room for the p2m after the page tables"),
            Ok("xl", 32, 1, 2000), Ok("xl", 256, 1, 5000),
            new("dom0", 4096, 1, BootSample.Timeout, null, "no poweroff within 900 s"),
            new("dom0", 4096, 2, BootSample.Skipped, null, "boot 1 timed out"),
        };
        string table = BootReport.Markdown(samples, new Dictionary<string, string> { ["xl"] = "real time", ["dom0"] = "icount" });
        Assert.Contains("| xl | 4 MiB | 0 of 2 | - | - | - | - | - | 2 failed: panic: memory setup: no room for the p2m after the page tables |", table);
        Assert.Contains("| xl | 32 MiB | 1 of 1 | 2.0 | 2.0 | 2.0 | 2.0 | 1.00 | ok |", table);
        Assert.Contains("| xl | 256 MiB | 1 of 1 | 5.0 | 5.0 | 5.0 | 5.0 | 2.50 | ok |", table);
        Assert.Contains("| dom0 | 4 GiB | 0 of 2 | - | - | - | - | - | 1 timeout: no poweroff within 900 s; 1 skipped: boot 1 timed out |", table);
        Assert.Contains("- dom0: icount", table);

        string svg = BootReport.Svg(samples);
        Assert.StartsWith("<svg", svg);
        Assert.Contains("xl: failed", svg);
        Assert.Contains("dom0: timeout", svg);
        Assert.Contains("<polyline", svg); // xl's two sizes that booted
    }

    [Fact]
    public void The_csv_has_one_row_per_boot_with_empty_phases_when_there_were_none_and_quoted_details()
    {
        Assert.Equal("xl,32,1,ok,10,20,30,40,495,500,", Ok("xl", 32, 1, 500).ToCsv());
        Assert.Equal("xl,4,2,failed,,,,,,,\"panic: a, \"\"b\"\"\"", new BootSample("xl", 4, 2, BootSample.Failed, null, "panic: a, \"b\"").ToCsv());
        Assert.Equal(BootSample.CsvHeader.Split(',').Length, Ok("xl", 32, 1, 500).ToCsv().Split(',').Length);
    }

    [Fact]
    public void Dom0_boots_become_ok_failed_or_timeout()
    {
        const string timeline = "boottime: console=1 statics=2 events=3 xenstore=4 memory=5 main=6 us\n";
        var timeout = TimeSpan.FromSeconds(900);
        Assert.Equal(BootSample.Ok, BootBench.Dom0Sample(new BootResult(BootOutcome.PowerOff, timeline, TimeSpan.Zero), 1024, 1, timeout).Outcome);
        var slow = BootBench.Dom0Sample(new BootResult(BootOutcome.Timeout, "(XEN) ...\n", TimeSpan.Zero), 4096, 1, timeout);
        Assert.Equal((BootSample.Timeout, "no poweroff within 900 s"), (slow.Outcome, slow.Detail));
        var crash = BootBench.Dom0Sample(new BootResult(BootOutcome.Crash, "(XEN) x\npanic: memory setup: no room\n", TimeSpan.Zero), 1024, 2, timeout);
        Assert.Equal((BootSample.Failed, "panic: memory setup: no room"), (crash.Outcome, crash.Detail));
        // Powered off without a timeline: Main never printed it, so no figure.
        Assert.Equal(BootSample.Failed, BootBench.Dom0Sample(new BootResult(BootOutcome.PowerOff, "", TimeSpan.Zero), 1024, 3, timeout).Outcome);
    }

    // A serial log as the xl environment's /init writes it: steps between markers, then the console logs.
    private static string XlLog(params (string Step, int Rc, string Output, string? Console)[] boots)
    {
        var log = new StringBuilder("@@xl dom0 up\n@@xl ready\n");
        foreach (var b in boots) log.Append($"@@xl step {b.Step} begin\n{b.Output}@@xl step {b.Step} rc={b.Rc} uptime=1.0\n");
        foreach (var b in boots.Where(b => b.Console != null))
        {
            string name = "hello-" + b.Step["boot-".Length..];
            log.Append($"@@xl file begin console/guest-{name}.log\n{Convert.ToBase64String(Encoding.UTF8.GetBytes(b.Console!))}\n@@xl file end console/guest-{name}.log\n");
        }
        return log.Append("@@xl done\n").ToString();
    }

    [Fact]
    public void Xl_boots_are_read_from_their_steps_and_console_logs()
    {
        string log = XlLog(
            ("boot-4-1", 0, "", "memory: ...\npanic: memory setup: no room for the p2m after the page tables\n"),
            ("boot-32-1", 0, "", "boottime: console=1 statics=2 events=3 xenstore=4 memory=5 main=600 us\nHello from Unikernel.NET!\n"),
            ("boot-256-1", 1, "Parsing config from hello.cfg\nlibxl: error: cannot allocate memory\n", null));
        // boot-256-2 is missing: the dom0 boot ended before it.
        var result = new XlResult(new BootResult(BootOutcome.Timeout, log, TimeSpan.Zero));
        var samples = BootBench.XlSamples(result, [4, 32, 256], 1);
        Assert.Equal(new[] { BootSample.Failed, BootSample.Ok, BootSample.Failed }, samples.Select(s => s.Outcome));
        Assert.Equal("panic: memory setup: no room for the p2m after the page tables", samples[0].Detail);
        Assert.Equal(600, samples[1].Phases!.Main);
        Assert.Equal("xl create: libxl: error: cannot allocate memory", samples[2].Detail);

        var cut = BootBench.XlSamples(new XlResult(new BootResult(BootOutcome.Timeout, XlLog(("boot-4-1", 2, "bt: timeout\n", "")), TimeSpan.Zero)), [4], 2);
        Assert.Equal(BootSample.Timeout, cut[0].Outcome);
        Assert.Equal((BootSample.Failed, "never ran: the dom0 boot ended (Timeout)"), (cut[1].Outcome, cut[1].Detail));
    }

    [Fact]
    public void The_xl_script_creates_each_size_repeatedly_with_its_own_name_and_the_timeline_asked_for()
    {
        string script = BootBench.XlScript([4, 32], 2, 120);
        foreach (var step in new[] { "step boot-4-1 bt_boot 4 1", "step boot-4-2 bt_boot 4 2", "step boot-32-1 bt_boot 32 1", "step boot-32-2 bt_boot 32 2" })
            Assert.Contains(step, script);
        Assert.Contains("\"memory=$1\" \"maxmem=$1\" 'extra=\"uk.boottime\"'", script);
        Assert.Contains("wait_gone \"$_bt_name\" 120", script);
        Assert.Contains("kernel = \"/scenario/hello.elf\"", BootBench.XlConfig("hello.elf"));
        // The domain names the script makes are names the xl environment accepts.
        XlConfig.CheckDomainName(BootBench.XlName(4096, 3));
    }

    [Fact]
    public void Memory_sizes_are_read_from_the_option_and_bad_ones_refused()
    {
        Assert.Equal(new[] { 4, 32, 256 }, BenchCommand.Sizes("4, 32,256", "--xl-sizes"));
        Assert.Empty(BenchCommand.Sizes("", "--xl-sizes"));
        Assert.Throws<ArgumentException>(() => BenchCommand.Sizes("4,-1", "--xl-sizes"));
        Assert.Throws<ArgumentException>(() => BenchCommand.Sizes("4,1G", "--dom0-sizes"));
    }
}
