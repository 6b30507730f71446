using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;
using Xunit.Abstractions;

namespace Unikernel.Tests.Xen;

// The Appliance with a disk (xvda, a 256 KiB file in dom0: two log regions of 256 sectors), in one dom0 boot:
// 200 keys set, xl shutdown, xl create: all 200 back; 100 overwritten and one deleted (the log fills and is
// compacted), then xl destroy; then power cuts: a client streams sets and dom0 runs xl destroy after a delay
// drawn from a seed (new each run, printed; UK_DURABLE_SEEDS replays), three times; a last domain reads every key back. Every acknowledged write must
// be there with its value (or with the value of the one set that may have reached the disk unacknowledged).
public sealed class XlDurableApplianceFixture
{
    public const int Keys = 200, Overwrites = 100, CutRounds = 3, CutSets = 400;
    // New seeds each run (printed with the results); UK_DURABLE_SEEDS="11,23,37" replays a run.
    public static readonly int[] Seeds = Environment.GetEnvironmentVariable("UK_DURABLE_SEEDS") is { Length: > 0 } given
        ? given.Split(',').Select(int.Parse).ToArray()
        : Enumerable.Range(0, CutRounds).Select(_ => Random.Shared.Next(1, 1_000_000)).ToArray();

    public static int DelayMs(int seed) => new Random(seed).Next(30, 1200);

    public static string Value(int key) => $"v{key}-first";
    public static string Overwrite(int key) => $"w{key}-second";
    public static string CutValue(int round, int i) => $"c{round}-{i}"; // the i-th set of a round, to key i % Keys

    public string Script { get; }
    public XlResult Run { get; }

    public XlDurableApplianceFixture()
    {
        var s = new StringBuilder(XlScenario.ConsoleHelpers);
        s.AppendLine("step make-disk dd if=/dev/zero of=/tmp/kv.img bs=1k count=256");
        Domain(s, "kv-1");
        Type(s, "kv-1", "typeset", Enumerable.Range(0, Keys).Select(k => $"set k{k} {Value(k)}").Append($"get k{Keys - 1}"));
        s.AppendLine($"step kv-1-served wait_console kv-1 \"value {Value(Keys - 1)}\" 120");
        s.AppendLine("step kv-1-shutdown xl shutdown -w kv-1");

        Domain(s, "kv-2");
        Type(s, "kv-2", "typeget", Enumerable.Range(0, Keys).Select(k => $"get k{k}").Append("status"));
        s.AppendLine("step kv-2-read wait_console kv-2 \"status ready\" 120");
        Type(s, "kv-2", "typeover", Enumerable.Range(0, Overwrites).Select(k => $"set k{k} {Overwrite(k)}").Append("del k150").Append("status"));
        s.AppendLine("step kv-2-overwritten wait_console kv-2 \"status ready\" 120 2");
        s.AppendLine("step kv-2-destroy xl destroy kv-2");

        for (int round = 1; round <= CutRounds; round++)
        {
            string name = $"kv-cut-{round}";
            Domain(s, name);
            string sets = string.Concat(Enumerable.Range(0, CutSets).Select(i => $"set k{i % Keys} {CutValue(round, i)}\\r"));
            s.AppendLine($"type_console {name} '{sets}' &");
            s.AppendLine($"step {name}-delay usleep {DelayMs(Seeds[round - 1]) * 1000}");
            s.AppendLine($"step {name}-destroy xl destroy {name}");
            s.AppendLine("wait");
        }

        Domain(s, "kv-check");
        Type(s, "kv-check", "typeget", Enumerable.Range(0, Keys).Select(k => $"get k{k}").Append("status"));
        s.AppendLine("step kv-check-read wait_console kv-check \"status ready\" 120");
        s.AppendLine("step kv-check-shutdown xl shutdown -w kv-check");
        Script = s.ToString();

        var scenario = XlAsserts.Scenario(Script, 600, "xl-durable.log");
        scenario.Guests.Add(new XlGuest("kv", Repo.Image("appliance"), """
            name = "kv"
            type = "pv"
            kernel = "/scenario/appliance.elf"
            memory = 32
            maxmem = 32
            on_poweroff = "destroy"
            on_crash = "destroy"
            disk = ['format=raw, vdev=xvda, access=rw, target=/tmp/kv.img']
            """));
        Run = XlSession.Run(scenario);
    }

    private static void Domain(StringBuilder s, string name)
    {
        s.AppendLine($"step {name}-create xl create kv.cfg 'name=\"{name}\"'");
        s.AppendLine($"step {name}-ready wait_console {name} \"appliance ready\" 60");
    }

    // Lines typed in bursts of 25 (the console ring takes 1 KiB at a time; the pty buffers the rest).
    private static void Type(StringBuilder s, string name, string label, IEnumerable<string> lines)
    {
        int n = 0;
        foreach (var burst in lines.Chunk(25))
            s.AppendLine($"step {name}-{label}-{n++} type_console {name} '{string.Concat(burst.Select(l => l + "\\r"))}'");
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlDurableApplianceTests(XlDurableApplianceFixture fixture, ITestOutputHelper output) : IClassFixture<XlDurableApplianceFixture>
{
    private readonly XlResult _run = fixture.Run;

    private string[] Lines(string name) => _run.GuestConsole(name).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    // Replies (lines that are no notice) after the greeting, in order.
    private string[] Replies(string name) =>
        Lines(name).SkipWhile(l => !l.StartsWith("# appliance ready", StringComparison.Ordinal)).Skip(1)
            .Where(l => l.Length > 0 && !l.StartsWith("# ", StringComparison.Ordinal)).ToArray();

    private static string Get(string[] replies, int key) => replies[key];

    [Fact]
    public void Every_set_is_acknowledged_and_all_200_keys_are_back_after_xl_shutdown_and_xl_create()
    {
        _run.AssertStepOk("kv-1-served");
        _run.AssertStepOk("kv-1-shutdown");
        Assert.Contains("# appliance: disk xvda: no log found, starting one (256 sectors per region)", Lines("kv-1"));
        Assert.Contains("# appliance ready: key-value store, 256 keys of up to 1024 bytes; storage: disk xvda, every change flushed before ok; type help", Lines("kv-1"));
        string[] first = Replies("kv-1");
        Assert.Equal(Enumerable.Repeat("ok", XlDurableApplianceFixture.Keys).Append($"value {XlDurableApplianceFixture.Value(XlDurableApplianceFixture.Keys - 1)}"), first);
        Assert.Contains($"# appliance: goodbye (power off); {XlDurableApplianceFixture.Keys} keys kept on disk xvda", Lines("kv-1"));

        _run.AssertStepOk("kv-2-read");
        Assert.Contains("# appliance: disk xvda: recovered 200 keys from 200 records (region 0, generation 1, sequence 1..201): clean end", Lines("kv-2"));
        string[] replies = Replies("kv-2");
        for (int k = 0; k < XlDurableApplianceFixture.Keys; k++) Assert.Equal($"value {XlDurableApplianceFixture.Value(k)}", replies[k]);
        Assert.StartsWith("status ready keys=200 ", replies[XlDurableApplianceFixture.Keys]);
    }

    [Fact]
    public void A_full_log_is_compacted_into_the_other_region()
    {
        _run.AssertStepOk("kv-2-overwritten");
        string[] replies = Replies("kv-2").Skip(XlDurableApplianceFixture.Keys + 1).ToArray();
        Assert.Equal(Enumerable.Repeat("ok", XlDurableApplianceFixture.Overwrites + 1), replies.Take(XlDurableApplianceFixture.Overwrites + 1));
        Assert.Contains("# appliance: log compacted into region 1 (generation 2, 200 keys in 200 sectors)", Lines("kv-2"));
        Assert.Matches(@"^status ready keys=199 .*; log \d+ of 256 sectors, generation 2, 1 compactions$", replies[^1]);
    }

    [Fact]
    public void After_power_cuts_every_acknowledged_write_is_there_with_its_value()
    {
        _run.AssertStepOk("kv-check-read");
        // What each key must hold: the last acknowledged set; a later set that was in flight at the cut may
        // also have reached the disk (written and flushed, its ok not yet out).
        var expected = new Dictionary<int, string>();
        for (int k = 0; k < XlDurableApplianceFixture.Keys; k++) expected[k] = k < XlDurableApplianceFixture.Overwrites ? XlDurableApplianceFixture.Overwrite(k) : XlDurableApplianceFixture.Value(k);
        expected.Remove(150);
        var maybe = new Dictionary<int, string>();
        for (int round = 1; round <= XlDurableApplianceFixture.CutRounds; round++)
        {
            string name = $"kv-cut-{round}";
            _run.AssertStepOk($"{name}-destroy");
            int acknowledged = Replies(name).TakeWhile(r => r == "ok").Count();
            Assert.Equal(Replies(name).Length, acknowledged); // nothing but ok before the cut
            int seed = XlDurableApplianceFixture.Seeds[round - 1];
            output.WriteLine($"cut {round}: seed {seed}, xl destroy after {XlDurableApplianceFixture.DelayMs(seed)} ms, {acknowledged} of {XlDurableApplianceFixture.CutSets} sets acknowledged; " +
                string.Join(" ", Lines(name).Where(l => l.StartsWith("# appliance: disk") || l.StartsWith("# appliance: log"))));
            for (int i = 0; i < acknowledged; i++)
            {
                int k = i % XlDurableApplianceFixture.Keys;
                expected[k] = XlDurableApplianceFixture.CutValue(round, i);
                maybe.Remove(k);
            }
            if (acknowledged < XlDurableApplianceFixture.CutSets) maybe[acknowledged % XlDurableApplianceFixture.Keys] = XlDurableApplianceFixture.CutValue(round, acknowledged);
        }
        string[] replies = Replies("kv-check");
        output.WriteLine(string.Join("\n", Lines("kv-check").Where(l => l.StartsWith("# appliance: disk") || l.StartsWith("status "))));
        for (int k = 0; k < XlDurableApplianceFixture.Keys; k++)
        {
            string got = replies[k];
            string want = expected.TryGetValue(k, out var v) ? $"value {v}" : "error no such key";
            bool ok = got == want || (maybe.TryGetValue(k, out var m) && got == $"value {m}");
            Assert.True(ok, $"k{k}: got '{got}', expected '{want}'" + (maybe.ContainsKey(k) ? $" or 'value {maybe[k]}'" : ""));
        }
        int present = replies.Take(XlDurableApplianceFixture.Keys).Count(r => r.StartsWith("value ", StringComparison.Ordinal));
        Assert.StartsWith($"status ready keys={present} ", replies[XlDurableApplianceFixture.Keys]);
    }
}
