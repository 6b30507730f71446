using System;
using System.Linq;
using Unikernel.Bench.Report;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Bench.Report;

// The host half of the network benchmark: redis-benchmark's CSV, tcp-pingpong's line, the timed dom0 lines
// and the table's ratios (latency the other way round).
public class NetBenchReportTests
{
    private const string RedisCsv = """
        "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        "SET","1230.00","20.100","2.000","19.007","40.000","66.111","90.000"
        "GET","1062.50","21.000","2.100","20.300","41.000","73.200","95.000"
        """;

    [Fact]
    public void Redis_rows_come_from_the_named_columns()
    {
        var rows = NetBenchCommand.RedisRows("ours", 16, new XlStep("ours-redis-p16", 0, "noise\n" + RedisCsv)).ToList();
        Assert.Equal(6, rows.Count);
        Assert.Contains(new NetBenchCommand.Row("ours", "redis-set-p16-rps", 1230.0), rows);
        Assert.Contains(new NetBenchCommand.Row("ours", "redis-set-p16-p50", 19.007), rows);
        Assert.Contains(new NetBenchCommand.Row("ours", "redis-get-p16-p99", 73.2), rows);
    }

    [Fact]
    public void A_redis_run_without_both_tests_or_without_csv_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => NetBenchCommand.RedisRows("ours", 1, new XlStep("s", 1, "Could not connect")).ToList());
        string setOnly = string.Join('\n', RedisCsv.Split('\n').Take(2));
        Assert.Throws<InvalidOperationException>(() => NetBenchCommand.RedisRows("ours", 1, new XlStep("s", 0, setOnly)).ToList());
    }

    [Fact]
    public void Ping_pong_rows_need_every_round_trip()
    {
        var rows = NetBenchCommand.PingPongRows("linux", new XlStep("p", 0, $"pingpong,{NetBenchCommand.RoundTrips},1975.0,8187.5,900.0,9000.0\n")).ToList();
        Assert.Equal(new[] { new NetBenchCommand.Row("linux", "pingpong-p50", 1975.0), new NetBenchCommand.Row("linux", "pingpong-p99", 8187.5) }, rows);
        Assert.Throws<InvalidOperationException>(() => NetBenchCommand.PingPongRows("linux", new XlStep("p", 1, "pingpong-error,connect,Connection refused\n")).ToList());
        Assert.Throws<InvalidOperationException>(() => NetBenchCommand.PingPongRows("linux", new XlStep("p", 0, "pingpong,10,1.0,2.0,0.5,3.0\n")).ToList());
    }

    [Fact]
    public void Timed_lines_parse_back_to_seconds_for_their_tag_only()
    {
        string output = "16777216\nnetbench-ours,tcp-from-guest,16777216,100.25,104.75\nnetbench-linux,tcp-from-guest,16777216,1.00,2.00\n";
        var (workload, bytes, seconds) = Assert.Single(Dom0Timing.Parse("netbench-ours", output));
        Assert.Equal(("tcp-from-guest", 16777216L), (workload, bytes));
        Assert.Equal(4.5, seconds, 6);
        Assert.Contains("echo \"netbench-ours,tcp-to-guest,5,$_s,$_e\"", Dom0Timing.Command("netbench-ours", "tcp-to-guest", 5, "true"));
    }

    [Fact]
    public void The_table_puts_ours_over_linux_for_rates_and_linux_over_ours_for_latencies()
    {
        var rows = new[]
        {
            new NetBenchCommand.Row("ours", "redis-set-p1-rps", 1200), new NetBenchCommand.Row("linux", "redis-set-p1-rps", 400),
            new NetBenchCommand.Row("ours", "pingpong-p50", 1000), new NetBenchCommand.Row("linux", "pingpong-p50", 2000),
            new NetBenchCommand.Row("ours", "tcp-from-guest", 5), new NetBenchCommand.Row("linux", "tcp-from-guest", 10),
            new NetBenchCommand.Row("dom0", "tcp-to-guest", 20),
        };
        string table = NetBenchCommand.Markdown(rows);
        Assert.Contains("| redis SET, P=1: requests/s | 1200 | 400 | 3.00 | - |", table);
        Assert.Contains("| 1-byte TCP ping-pong: median µs | 1000 | 2000 | 2.00 | - |", table);
        Assert.Contains("| TCP guest → dom0, 16 MiB: MiB/s | 5.00 | 10.0 | 0.50 | 20.0 |", table); // an old CSV: one loopback figure
        string both = NetBenchCommand.Markdown(rows.Append(new NetBenchCommand.Row("dom0", "tcp-from-guest", 30)).ToArray());
        Assert.Contains("| TCP guest → dom0, 16 MiB: MiB/s | 5.00 | 10.0 | 0.50 | 30.0 |", both);
    }

    [Fact]
    public void The_table_states_the_rounds_its_csv_records()
    {
        var row = new NetBenchCommand.Row("ours", "redis-set-p1-rps", 1);
        Assert.Contains("the median of 3 rounds", NetBenchCommand.Markdown(new[] { row }));
        Assert.Contains("the median of 5 rounds", NetBenchCommand.Markdown(new[] { row, new NetBenchCommand.Row("all", "rounds", 5) }));
    }

    [Fact]
    public void The_table_states_its_time_base()
    {
        var row = new NetBenchCommand.Row("ours", "redis-set-p1-rps", 1);
        Assert.Contains("under QEMU/TCG in real time", NetBenchCommand.Markdown(new[] { row }));
        Assert.Contains("-icount shift=3", NetBenchCommand.Markdown(new[] { row, new NetBenchCommand.Row("all", "icount-shift", 3) }));
    }
}
