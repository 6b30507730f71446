using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;
using Xunit.Abstractions;

namespace Unikernel.Tests.Xen;

// A soak of the appliance sample under the real toolstack: Cycles rounds of xl create / serve / xl shutdown in
// one boot of dom0. Each round has a domain of its own name (appliance-1 ...), so its console log and xl's log
// hold that round alone. A round that fails ends the soak (its step says which part), as does the time budget.
public sealed class XlSoakFixture
{
    public const int Cycles = 50;
    public const int BudgetSeconds = 240; // for all the rounds: 2 s each on an idle 2-core host, up to 4 s when loaded

    // soak_cycle N: one round; when it passed, prints "soak: cycle N start=T created=T ready=T served=T down=T
    // end=T" with dom0's /proc/uptime after each part. Its variables are its own: step keeps its state in _name.
    public static readonly string Script = XlScenario.ConsoleHelpers + $$"""
        soak_cycle() {
            _sk_name="appliance-$1"
            read _sk_start _sk_idle < /proc/uptime
            xl create appliance.cfg "name=\"$_sk_name\"" || { echo "soak: xl create failed"; return 1; }
            read _sk_created _sk_idle < /proc/uptime
            wait_console "$_sk_name" "appliance ready" 30 || return 1
            read _sk_ready _sk_idle < /proc/uptime
            type_console "$_sk_name" "set soak$1 value-$1\rget soak$1\r" || return 1
            wait_console "$_sk_name" "value value-$1" 20 || return 1
            read _sk_served _sk_idle < /proc/uptime
            xl shutdown -w "$_sk_name" || { echo "soak: xl shutdown failed"; return 1; }
            read _sk_down _sk_idle < /proc/uptime
            wait_console "$_sk_name" "appliance: goodbye (power off)" 10 || return 1
            wait_gone "$_sk_name" 20 || return 1
            read _sk_end _sk_idle < /proc/uptime
            echo "soak: cycle $1 start=$_sk_start created=$_sk_created ready=$_sk_ready served=$_sk_served down=$_sk_down end=$_sk_end"
        }
        read _sk_begin _sk_idle < /proc/uptime
        _sk_n=1
        while [ $_sk_n -le {{Cycles}} ]; do
            read _sk_now _sk_idle < /proc/uptime
            if [ ${_sk_now%.*} -ge $((${_sk_begin%.*} + {{BudgetSeconds}})) ]; then
                echo "@@xl soak out of time before cycle $_sk_n"
                break
            fi
            step cycle-$_sk_n soak_cycle $_sk_n || { xl destroy "appliance-$_sk_n" 2>/dev/null; break; }
            _sk_n=$((_sk_n + 1))
        done
        step list-after xl list
        """;

    public XlResult Run { get; }

    public XlSoakFixture()
    {
        var scenario = XlAsserts.Scenario(Script, BudgetSeconds + 90, "xl-soak.log");
        scenario.Guests.Add(XlAsserts.ApplianceGuest());
        Run = XlSession.Run(scenario);
    }
}

[Collection(XenCollection.Name)]
public class XlSoakTests(XlSoakFixture fixture, ITestOutputHelper output) : IClassFixture<XlSoakFixture>
{
    private readonly XlResult _run = fixture.Run;

    // The parts of a round, as soak_cycle stamps their ends.
    private static readonly (string Name, string Label)[] Parts =
        [("created", "xl create"), ("ready", "to the greeting"), ("served", "set and get"), ("down", "xl shutdown -w"), ("end", "goodbye seen and domain gone")];
    private static readonly Regex CycleLine = new(@"(?m)^soak: cycle (?<n>\d+) start=(?<start>[0-9.]+) created=(?<created>[0-9.]+) ready=(?<ready>[0-9.]+) served=(?<served>[0-9.]+) down=(?<down>[0-9.]+) end=(?<end>[0-9.]+)$");

    // Every round: the greeting, a set and the get that reads it back, the shutdown hook's goodbye, a clean
    // poweroff in xl's log, and the domain gone before the next round.
    [Fact]
    public void Fifty_create_serve_shutdown_cycles_of_the_appliance_all_succeed()
    {
        var seconds = new List<double>();
        var partSeconds = Parts.ToDictionary(p => p.Name, _ => new List<double>());
        for (int n = 1; n <= XlSoakFixture.Cycles; n++)
        {
            string step = _run.AssertStepOk($"cycle-{n}");
            var cycle = CycleLine.Match(step);
            Assert.True(cycle.Success && cycle.Groups["n"].Value == n.ToString(CultureInfo.InvariantCulture), $"cycle {n} printed no timing:\n{step}");
            seconds.Add(Parse(cycle.Groups["end"].Value) - Parse(cycle.Groups["start"].Value));
            string previous = "start";
            foreach (var (part, _) in Parts)
            {
                partSeconds[part].Add(Parse(cycle.Groups[part].Value) - Parse(cycle.Groups[previous].Value));
                previous = part;
            }

            string name = $"appliance-{n}", console = _run.GuestConsole(name);
            Assert.True(Regex.Matches(console, "^# appliance ready", RegexOptions.Multiline).Count == 1, $"{name}: no single greeting:\n{console}");
            Assert.Matches($@"(?m)^# appliance: domain \d+ '{name}', console /dev/pts/\d+", console);
            Assert.Matches(@"(?m)^ok$", console);
            Assert.Matches($"(?m)^value value-{n}$", console);
            Assert.Contains("# appliance: goodbye (power off)", console);
            Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text($"xl-{name}.log")); // SHUTDOWN_poweroff
        }
        Assert.DoesNotMatch(@"(?m)^appliance", _run.AssertStepOk("list-after"));

        seconds.Sort();
        string report = $"xl soak: {seconds.Count} cycles of xl create / set / get / xl shutdown of the appliance in one dom0 boot; "
            + $"cycle seconds min {F(seconds[0])} median {F(Median(seconds))} max {F(seconds[^1])}; whole run {F(_run.Boot.Elapsed.TotalSeconds)} s\n"
            + "median seconds per part: " + string.Join(", ", Parts.Select(p => $"{p.Label} {F(Median(partSeconds[p.Name].Order().ToList()))}"));
        output.WriteLine(report);
        Directory.CreateDirectory(Path.Combine(Repo.Root, "artifacts"));
        File.WriteAllText(Path.Combine(Repo.Root, "artifacts", "soak.txt"), report + "\n"
            + string.Join("\n", CycleLine.Matches(string.Concat(_run.Steps.Values.Select(s => s.Output))).Select(m => m.Value)) + "\n");
    }

    private static double Parse(string uptime) => double.Parse(uptime, CultureInfo.InvariantCulture);

    private static string F(double seconds) => seconds.ToString("F2", CultureInfo.InvariantCulture);

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
