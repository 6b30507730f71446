using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

namespace Unikernel.Bench.Report;

// ukbench net: the network benchmark in one boot of the xl environment, each job done by our guest and by a
// Linux PV domU (dom0's kernel, xen-netfront), from dom0 over the bridge. Every guest is up from the start
// (idle ones block) and the jobs run in rounds, ours then Linux's in each, so a change in the shared
// machine's load reaches both systems alike; each figure is the median of the rounds:
//   redis-benchmark -t set,get, 50 clients, pipelining 1 and 16, against the Appliance and Debian's redis-server;
//   16 MiB over TCP each way (dom0 sends with dd and nc, receives with bench/Tools/tcp-recv; the probe's sink and
//   source with hashing off; nc servers in the Linux domU);
//   1-byte TCP ping-pong (bench/Tools/tcp-pingpong.c, built static) against the probe's echo and `nc -e cat`;
// and dom0 to itself over loopback as the ceiling. Writes net.csv and net.md (also printed).
public static partial class NetBenchCommand
{
    public const int TransferMiB = 16, RoundTrips = 1000;
    public const int IcountShift = 3; // 8 ns of virtual time per instruction (Linux as dom0 runs away at 7)
    // Rounds of the redis and TCP jobs (--rounds, odd so the median is one of them); the table states it.
    public static int Repeats { get; set; } = 3;
    public const int RequestsPipelined1 = 10000, RequestsPipelined16 = 50000, Clients = 50;
    private const string Ours = "169.254.0.3", Probe = "169.254.0.4", Linux = "169.254.0.2";

    public static Command Create()
    {
        var parts = new Option<string>("--parts") { Description = "Which systems to measure: dom0, ours, linux (comma-separated)", DefaultValueFactory = _ => "dom0,ours,linux" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of the redis and TCP jobs, each figure their median (odd; the CSV records it)", DefaultValueFactory = _ => 3 };
        var icount = new Option<bool>("--icount") { Description = $"Run QEMU with -icount shift={IcountShift}: virtual time counts executed instructions (every domain's and Xen's), so the figures do not move with the host's load; a cost model, not real time" };
        var jobs = new Option<string>("--jobs") { Description = "Which jobs to run: redis, tcp, pingpong (comma-separated; a shorter run while tuning)", DefaultValueFactory = _ => "redis,tcp,pingpong" };
        return XlBenchCommand.Create<Row>("net",
            "Run the network benchmark (the Appliance and the probe against a Linux domU, dom0 loopback) in the xl environment and report",
            "Folder with appliance.elf and probe.elf", "clang that builds tcp-pingpong for dom0 (static)", "who,metric,value",
            r => $"{r.Who},{r.Metric},{r.Value.ToString("R", CultureInfo.InvariantCulture)}",
            f => new Row(f[0], f[1], double.Parse(f[2], CultureInfo.InvariantCulture)),
            s => { Repeats = Rounds(s.Result.GetValue(rounds)); return Run(s.ImageDir, s.CacheDir, s.OutDir, s.Clang, Parts(s.Result.GetValue(parts)!), Jobs(s.Result.GetValue(jobs)!), s.Result.GetValue(icount)); },
            Markdown, parts, jobs, rounds, icount);
    }

    private static int Rounds(int n) => n >= 1 && n % 2 == 1 ? n : throw new ArgumentException($"--rounds takes an odd number of at least 1, not {n}");

    // Metric names: redis-<set|get>-p<N>-<rps|p50|p99> (latencies in ms), tcp-<to|from>-guest (MiB/s, median of
    // the repeats), pingpong-<p50|p99> (microseconds).
    public sealed record Row(string Who, string Metric, double Value);

    private static string Timed(string who, string workload, string command) =>
        "sh -c '" + Dom0Timing.Command("netbench-" + who, workload, TransferMiB << 20, command) + "'";

    private static string Send(string address, int port) =>
        $"dd if=/dev/zero bs=64k count={TransferMiB * 16} 2>/dev/null | timeout 120 nc.openbsd -N -w 30 {address} {port}";

    private static string Receive(string address, int port) => $"timeout 120 /tmp/tcp-recv {address} {port}";

    private static string RedisRound(string who, string address, int round) => $"""
        step {who}-redis-p1-{round} timeout 300 redis-benchmark -h {address} -t set,get -c {Clients} -P 1 -n {RequestsPipelined1} --csv
        step {who}-redis-p16-{round} timeout 300 redis-benchmark -h {address} -t set,get -c {Clients} -P 16 -n {RequestsPipelined16} --csv

        """;

    private static string TcpRound(string who, string address, int sink, int source, int round) => $"""
        step {who}-to-{round} {Timed(who, "tcp-to-guest", Send(address, sink))}
        step {who}-from-{round} {Timed(who, "tcp-from-guest", Receive(address, source))}

        """;

    private static string[] Parts(string text)
    {
        var chosen = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (chosen.Length == 0 || chosen.Any(c => c is not ("dom0" or "ours" or "linux"))) throw new ArgumentException($"--parts takes dom0, ours and linux, not '{text}'");
        return chosen;
    }

    private static string[] Jobs(string text)
    {
        var chosen = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (chosen.Length == 0 || chosen.Any(c => c is not ("redis" or "tcp" or "pingpong"))) throw new ArgumentException($"--jobs takes redis, tcp and pingpong, not '{text}'");
        return chosen;
    }

    public static List<Row> Run(string imageDir, string cacheDir, string outDir, string clang, IReadOnlyCollection<string> parts, IReadOnlyCollection<string>? jobs = null, bool icount = false)
    {
        jobs ??= new[] { "redis", "tcp", "pingpong" };
        string pingpong = StaticTool.Build("tcp-pingpong", clang, outDir);
        string recv = StaticTool.Build("tcp-recv", clang, outDir);
        var dom0 = Dom0Environment.Ensure(cacheDir, Console.Out);
        // Dom0 to itself first, with busybox nc as the echo server.
        string script = XlScenario.ConsoleHelpers + """
            cp /scenario/tcp-pingpong /tmp/tcp-pingpong && chmod +x /tmp/tcp-pingpong
            cp /scenario/tcp-recv /tmp/tcp-recv && chmod +x /tmp/tcp-recv

            """;
        if (parts.Contains("dom0")) script += $"""
            nc -ll -p 7107 -e cat &
            printf '#!/bin/sh\nexec dd if=/dev/zero bs=64k count={TransferMiB * 16} 2>/dev/null\n' >/tmp/uk-zeros && chmod +x /tmp/uk-zeros
            nc -ll -p 7102 -e /tmp/uk-zeros &
            for i in $(seq {(jobs.Contains("tcp") ? Repeats : 0)}); do
                (nc.openbsd -l 7100 >/dev/null &)
                usleep 300000
                step dom0-to-$i {Timed("dom0", "tcp-to-guest", Send("127.0.0.1", 7100))}
                step dom0-from-$i {Timed("dom0", "tcp-from-guest", Receive("127.0.0.1", 7102))}
            done
            {(jobs.Contains("pingpong") ? "" : ": ")}step dom0-pingpong timeout 300 /tmp/tcp-pingpong 127.0.0.1 7107 {RoundTrips}

            """;
        // Ours: the Appliance serves the Redis jobs, the probe (mode=net) the TCP ones; Linux's domU both.
        bool ours = parts.Contains("ours"), linux = parts.Contains("linux");
        if (ours) script += """
            step ours-create xl create app.cfg
            step ours-ready wait_console app "listening on" 120
            step probe-create xl create probe.cfg
            step probe-ready wait_console probe "net: ready" 120

            """;
        if (linux) script += """
            step linux-create xl create linux.cfg
            step linux-ready wait_console linux "linuxnet: ready" 300

            """;
        // While one system works the other's domains are paused: an idle Linux domU still takes CPU (its kernel's
        // housekeeping, redis-server's timer: xl list showed 0.2-0.6 s of it in each 3-6 s transfer of ours)
        // and that would land on our figures only, while our idle guests block.
        string Alone(string who, string job, string steps)
        {
            string others = who == "ours" ? (linux ? "linux" : "") : (ours ? "app probe" : "");
            if (others == "") return steps;
            return $"step {who}-{job}-hold sh -c 'for d in {others}; do xl pause $d || exit 1; done'\n" + steps +
                $"step {who}-{job}-release sh -c 'rc=0; for d in {others}; do xl unpause $d || rc=1; done; exit $rc'\n";
        }
        for (int round = 1; round <= Repeats; round++)
        {
            if (ours && jobs.Contains("redis")) script += Alone("ours", $"redis-{round}", RedisRound("ours", Ours, round));
            if (linux && jobs.Contains("redis")) script += Alone("linux", $"redis-{round}", RedisRound("linux", Linux, round));
        }
        for (int round = 1; round <= Repeats; round++)
        {
            if (ours && jobs.Contains("tcp")) script += Alone("ours", $"tcp-{round}", TcpRound("ours", Probe, 9, 19, round));
            if (linux && jobs.Contains("tcp")) script += Alone("linux", $"tcp-{round}", TcpRound("linux", Linux, 7001, 7002, round));
        }
        if (ours && jobs.Contains("pingpong")) script += Alone("ours", "pingpong", $"step ours-pingpong timeout 300 /tmp/tcp-pingpong {Probe} 7 {RoundTrips}\n");
        if (ours) script += $"""
            step ours-redis-info timeout 30 redis-cli -h {Ours} info
            step ours-sinks wait_console probe "net: sink {TransferMiB << 20} bytes" 30 {(jobs.Contains("tcp") ? Repeats : 0)}
            step probe-quit sh -c 'printf quit | timeout 10 nc.openbsd -u -w 1 {Probe} 7'
            step probe-gone wait_gone probe 60
            step ours-destroy xl destroy app

            """;
        if (linux) script += $"""
            {(jobs.Contains("pingpong") ? "" : ": ")}step linux-pingpong timeout 300 /tmp/tcp-pingpong {Linux} 7007 {RoundTrips}
            step linux-redis-info timeout 30 redis-cli -h {Linux} info
            xl destroy linux 2>/dev/null
            """;
        var scenario = new XlScenario
        {
            Script = script, CacheDir = cacheDir, Timeout = TimeSpan.FromSeconds(1800), SerialLog = Path.Combine(outDir, "net.log"),
            Dom0MemoryMiB = 384, QemuMemoryMiB = 1024, // xl decompresses the Linux kernel in dom0
            IcountShift = icount ? IcountShift : null,
        };
        string Guest(string name, string kernel, string extra, int memory, string mac, string vifIp = "") => $"""
            name = "{name}"
            type = "pv"
            kernel = "/scenario/{kernel}"
            extra = "{extra}"
            memory = {memory}
            on_poweroff = "destroy"
            on_crash = "destroy"
            vif = ['bridge={XlConfig.Bridge},mac={mac}{vifIp}']
            """;
        scenario.Guests.Add(new XlGuest("app", Path.Combine(imageDir, "appliance.elf"), Guest("app", "appliance.elf", "", 64, "00:16:3e:00:00:31", ",ip=" + Ours)));
        scenario.Guests.Add(new XlGuest("probe", Path.Combine(imageDir, "probe.elf"), Guest("probe", "probe.elf", $"mode=net net.hash=0 ip={Probe}/16", 64, "00:16:3e:00:00:32")));
        scenario.Guests.Add(new XlGuest("linux", dom0.LinuxGuestKernel, Guest("linux", Path.GetFileName(dom0.LinuxGuestKernel),
            $"console=hvc0 quiet ukrun=serve ukip={Linux}/16 ukstay=1800", 256, "00:16:3e:00:00:33") + "\nramdisk = \"/scenario/domu.cpio\""));
        scenario.Files.Add(new XlFile("domu.cpio", dom0.LinuxGuestInitramfs));
        scenario.Files.Add(new XlFile("tcp-pingpong", pingpong));
        scenario.Files.Add(new XlFile("tcp-recv", recv));
        Console.WriteLine("ukbench: network benchmark in the xl environment (the Appliance and the probe, then a Linux domU, from dom0 over the bridge)");
        var run = XlSession.Run(scenario);
        // What the servers said about themselves (counters: drops, retransmissions), for reading a figure.
        foreach (var step in run.Steps.Values.Where(s => s.Name.EndsWith("-redis-info", StringComparison.Ordinal)))
            File.WriteAllText(Path.Combine(outDir, $"net-{step.Name}.txt"), step.Output);
        foreach (string guest in new[] { "app", "probe" }.Where(_ => parts.Contains("ours")))
            try { File.WriteAllText(Path.Combine(outDir, $"net-console-{guest}.log"), run.GuestConsole(guest)); }
            catch (InvalidOperationException) { } // not handed over: the table does not need it
        var rows = Collect(run, parts, jobs);
        rows.Add(new Row("all", "rounds", Repeats)); // what the table states, also after --table-only
        if (icount) rows.Add(new Row("all", "icount-shift", IcountShift));
        return rows;
    }

    private static List<Row> Collect(XlResult run, IReadOnlyCollection<string> parts, IReadOnlyCollection<string> jobs)
    {
        var rows = new List<Row>();
        foreach (var (ready, part) in new[] { ("ours-ready", "ours"), ("probe-ready", "ours"), ("linux-ready", "linux") })
            if (parts.Contains(part) && run.Step(ready).ExitCode != 0)
                throw new InvalidOperationException($"step {ready} failed: {run.Step(ready).Output}\n{run.Describe()}");
        if (parts.Contains("ours") && jobs.Contains("tcp") && run.Step("ours-sinks").ExitCode != 0)
            throw new InvalidOperationException($"the probe did not receive {Repeats} x {TransferMiB} MiB: {run.Step("ours-sinks").Output}");
        foreach (var step in run.Steps.Values.Where(s => s.Name.EndsWith("-hold", StringComparison.Ordinal) || s.Name.EndsWith("-release", StringComparison.Ordinal)))
            if (step.ExitCode != 0) throw new InvalidOperationException($"step {step.Name} (pausing the other system) failed: {step.Output}");
        foreach (string who in new[] { "ours", "linux" }.Where(parts.Contains))
        {
            foreach (int pipeline in new[] { 1, 16 }.Where(_ => jobs.Contains("redis")))
                rows.AddRange(Enumerable.Range(1, Repeats).SelectMany(round => RedisRows(who, pipeline, run.Step($"{who}-redis-p{pipeline}-{round}")))
                    .GroupBy(r => r.Metric).Select(g => g.OrderBy(r => r.Value).ElementAt(Repeats / 2)));
            for (int i = 1; i <= Repeats && jobs.Contains("tcp"); i++)
            {
                var from = run.Step($"{who}-from-{i}");
                if (!Regex.IsMatch(from.Output, $@"^\s*{TransferMiB << 20}\s*$", RegexOptions.Multiline))
                    throw new InvalidOperationException($"{who}: a receive did not bring {TransferMiB << 20} bytes: {from.Output}");
                if (run.Step($"{who}-to-{i}").ExitCode != 0) throw new InvalidOperationException($"{who}: a send failed: {run.Step($"{who}-to-{i}").Output}");
            }
            if (jobs.Contains("tcp")) rows.AddRange(ThroughputRows(who, run));
            if (jobs.Contains("pingpong")) rows.AddRange(PingPongRows(who, run.Step($"{who}-pingpong")));
        }
        if (parts.Contains("dom0"))
        {
            if (jobs.Contains("tcp")) rows.AddRange(ThroughputRows("dom0", run));
            if (jobs.Contains("pingpong")) rows.AddRange(PingPongRows("dom0", run.Step("dom0-pingpong")));
        }
        return rows;
    }

    private static IEnumerable<Row> ThroughputRows(string who, XlResult run)
    {
        string output = string.Concat(run.Steps.Values.Where(s => s.Name.StartsWith(who + "-", StringComparison.Ordinal)).Select(s => s.Output));
        foreach (var group in Dom0Timing.Parse("netbench-" + who, output).GroupBy(t => t.Workload))
        {
            var rates = group.Select(t => t.Bytes / 1048576.0 / Math.Max(t.Seconds, 0.01)).OrderBy(r => r).ToList();
            if (rates.Count != Repeats) throw new InvalidOperationException($"{who}: {rates.Count} timed {group.Key} runs, expected {Repeats}");
            yield return new Row(who, group.Key, rates[rates.Count / 2]);
        }
    }

    // redis-benchmark --csv: a header ("test","rps","avg_latency_ms",...,"p50_latency_ms",...,"p99_latency_ms",...)
    // then one quoted line per test.
    public static IEnumerable<Row> RedisRows(string who, int pipeline, XlStep step)
    {
        var lines = step.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('"')).Select(l => l.Split(',').Select(f => f.Trim('"')).ToArray()).ToList();
        var header = lines.FirstOrDefault(f => f[0] == "test") ?? throw new InvalidOperationException($"{who}: redis-benchmark printed no CSV (rc {step.ExitCode}): {step.Output}");
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidOperationException($"redis-benchmark's CSV has no {name} column: {string.Join(',', header)}");
        int rps = Column("rps"), p50 = Column("p50_latency_ms"), p99 = Column("p99_latency_ms");
        var found = new List<Row>();
        foreach (var fields in lines.Where(f => f[0] is "SET" or "GET"))
        {
            string test = fields[0].ToLowerInvariant();
            found.Add(new Row(who, $"redis-{test}-p{pipeline}-rps", Number(fields[rps])));
            found.Add(new Row(who, $"redis-{test}-p{pipeline}-p50", Number(fields[p50])));
            found.Add(new Row(who, $"redis-{test}-p{pipeline}-p99", Number(fields[p99])));
        }
        if (found.Count != 6) throw new InvalidOperationException($"{who}: redis-benchmark -P {pipeline} did not report SET and GET: {step.Output}");
        return found;
    }

    public static IEnumerable<Row> PingPongRows(string who, XlStep step)
    {
        var m = PingPongLine().Match(step.Output);
        if (!m.Success) throw new InvalidOperationException($"{who}: tcp-pingpong failed (rc {step.ExitCode}): {step.Output}");
        if (int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) != RoundTrips) throw new InvalidOperationException($"{who}: tcp-pingpong made {m.Groups["n"].Value} round trips");
        yield return new Row(who, "pingpong-p50", Number(m.Groups["p50"].Value));
        yield return new Row(who, "pingpong-p99", Number(m.Groups["p99"].Value));
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^pingpong,(?<n>\d+),(?<p50>[0-9.]+),(?<p99>[0-9.]+),[0-9.]+,[0-9.]+\r?$", RegexOptions.Multiline)]
    private static partial Regex PingPongLine();

    private static readonly (string Metric, string Label, bool HigherIsBetter)[] Measures =
    {
        ("redis-set-p1-rps", "redis SET, P=1: requests/s", true), ("redis-set-p1-p50", "redis SET, P=1: p50 ms", false), ("redis-set-p1-p99", "redis SET, P=1: p99 ms", false),
        ("redis-get-p1-rps", "redis GET, P=1: requests/s", true), ("redis-get-p1-p50", "redis GET, P=1: p50 ms", false), ("redis-get-p1-p99", "redis GET, P=1: p99 ms", false),
        ("redis-set-p16-rps", "redis SET, P=16: requests/s", true), ("redis-set-p16-p50", "redis SET, P=16: p50 ms", false), ("redis-set-p16-p99", "redis SET, P=16: p99 ms", false),
        ("redis-get-p16-rps", "redis GET, P=16: requests/s", true), ("redis-get-p16-p50", "redis GET, P=16: p50 ms", false), ("redis-get-p16-p99", "redis GET, P=16: p99 ms", false),
        ("tcp-to-guest", "TCP dom0 → guest, 16 MiB: MiB/s", true), ("tcp-from-guest", "TCP guest → dom0, 16 MiB: MiB/s", true),
        ("pingpong-p50", "1-byte TCP ping-pong: median µs", false), ("pingpong-p99", "1-byte TCP ping-pong: p99 µs", false),
    };

    public static string Markdown(IReadOnlyList<Row> rows)
    {
        int rounds = (int)(rows.FirstOrDefault(r => r.Who == "all" && r.Metric == "rounds")?.Value ?? 3);
        double? shift = rows.FirstOrDefault(r => r.Who == "all" && r.Metric == "icount-shift")?.Value;
        string timeBase = shift is { } n ? $"in virtual time (QEMU -icount shift={n}: time counts the instructions every domain and Xen executed, so repeats agree)" : "in real time";
        double? Value(string who, string metric) => rows.FirstOrDefault(r => r.Who == who && r.Metric == metric)?.Value;
        string F(double? v) => v is { } x ? x.ToString(x >= 100 ? "F0" : x >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture) : "-";
        var s = new StringBuilder();
        s.AppendLine($"Network, from dom0 over the bridge (netback), under QEMU/TCG {timeBase}: compare only ratios. Each figure is the median of {rounds} rounds, ours then Linux's in each: redis-benchmark with {Clients} clients ({RequestsPipelined1} requests at P=1, {RequestsPipelined16} at P=16), {TransferMiB} MiB over TCP each way; ping-pong: {RoundTrips} round trips. `better` is ours against Linux, >1 means we win (for latencies, Linux's figure over ours).");
        s.AppendLine();
        s.AppendLine("| measure | ours | Linux domU | better | dom0 loopback (ceiling) |");
        s.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (metric, label, higher) in Measures)
        {
            double? o = Value("ours", metric), l = Value("linux", metric);
            // Loopback each way (busybox nc sending zeros to tcp-recv); a CSV from before that has one figure for both.
            double? d = Value("dom0", metric) ?? (metric == "tcp-from-guest" ? Value("dom0", "tcp-to-guest") : null);
            string better = o is { } a && l is { } b && a > 0 && b > 0 ? (higher ? a / b : b / a).ToString("F2", CultureInfo.InvariantCulture) : "-";
            s.AppendLine($"| {label} | {F(o)} | {F(l)} | {better} | {F(d)} |");
        }
        return s.ToString();
    }
}
