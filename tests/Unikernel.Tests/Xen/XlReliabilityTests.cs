using System;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// The guest against a loaded or stalled console backend, in one boot of the real toolstack
// (tests/Guests/Probe/ConsoleReliability.cs). xenconsoled is stopped with SIGSTOP to stall the ring.
public sealed class XlReliabilityFixture
{
    public const string Script = XlScenario.ConsoleHelpers + """
        step create-race xl create race.cfg
        step race-done wait_gone race 180
        step create-stall xl create stall.cfg
        step stall-ready wait_console stall "stall ready" 60
        step stop-consoled kill -STOP $(pidof xenconsoled)
        step stall-fill sleep 3
        step shutdown-stall xl shutdown stall
        step stall-gone wait_gone stall 40
        step cont-consoled kill -CONT $(pidof xenconsoled)
        step create-panic xl create panic.cfg
        step panic-ready wait_console panic "stall ready" 60
        step stop-consoled-again kill -STOP $(pidof xenconsoled)
        step panic-crashed wait_state panic c 40
        step cont-consoled-again kill -CONT $(pidof xenconsoled)
        step destroy-panic xl destroy panic
        step create-misuse xl create misuse.cfg
        step misuse-done wait_gone misuse 60
        """;

    public XlResult Run { get; }

    public XlReliabilityFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 420, "xl-reliability.log");
        string probe = Repo.Image("probe");
        scenario.Guests.Add(new XlGuest("race", probe, XlAsserts.ProbeConfig("race", "mode=console-race")));
        scenario.Guests.Add(new XlGuest("stall", probe, XlAsserts.ProbeConfig("stall", "mode=console-stall")));
        scenario.Guests.Add(new XlGuest("panic", probe, XlAsserts.ProbeConfig("panic", "mode=console-stall-panic")));
        scenario.Guests.Add(new XlGuest("misuse", probe, XlAsserts.ProbeConfig("misuse", "mode=api-misuse")));
        Run = XlSession.Run(scenario);
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlReliabilityTests(XlReliabilityFixture fixture) : IClassFixture<XlReliabilityFixture>
{
    private readonly XlResult _run = fixture.Run;

    // Main's lines and a timer callback's lines, written while Main waits for ring room: each arrives
    // whole, once and in order, and nothing was dropped.
    [Fact]
    public void Console_output_from_main_and_callbacks_loses_and_repeats_nothing()
    {
        _run.AssertStepOk("race-done");
        string console = _run.GuestConsole("race");
        var done = Regex.Match(console, @"(?m)^race done main=(?<main>\d+) ticks=(?<ticks>\d+) dropped=(?<dropped>\d+)$");
        Assert.True(done.Success, "no summary line; tail: " + console[^Math.Min(600, console.Length)..]);
        int mainLines = int.Parse(done.Groups["main"].Value), ticks = int.Parse(done.Groups["ticks"].Value);
        Assert.Equal("0", done.Groups["dropped"].Value);
        Assert.True(ticks >= 100, $"only {ticks} ticks ran: the callbacks did not write while Main did");

        string[] lines = console.Split('\n');
        string[] main = lines.Where(l => l.StartsWith("main ", StringComparison.Ordinal)).ToArray();
        string[] tick = lines.Where(l => l.StartsWith("tick ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Enumerable.Range(0, mainLines).Select(i => $"main {i} the quick brown fox jumps over the lazy dog"), main);
        Assert.Equal(Enumerable.Range(0, ticks).Select(i => $"tick {i}"), tick);
        // Nothing else between them: no torn or merged lines.
        int start = Array.IndexOf(lines, main[0]), end = Array.LastIndexOf(lines, main[^1]);
        var between = lines[start..(end + 1)].Where(l => !l.StartsWith("main ", StringComparison.Ordinal) && !l.StartsWith("tick ", StringComparison.Ordinal)).ToArray();
        Assert.True(between.Length == 0, "unexpected lines: " + string.Join(" | ", between.Take(5)));
    }

    // The ring is full and xenconsoled stopped: Main waits for it, yet xl shutdown is served (the hook
    // runs, its output waits a bounded time) and the domain powers off.
    [Fact]
    public void Xl_shutdown_is_honoured_while_output_waits_for_a_stalled_console()
    {
        _run.AssertStepOk("stop-consoled");
        _run.AssertStepOk("shutdown-stall");
        _run.AssertStepOk("stall-gone");
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-stall.log")); // SHUTDOWN_poweroff
    }

    // A panic in a timer callback while the console is stalled still ends in SHUTDOWN_crash.
    [Fact]
    public void A_panic_with_a_stalled_console_still_crashes_the_domain_in_bounded_time()
    {
        _run.AssertStepOk("stop-consoled-again");
        _run.AssertStepOk("panic-crashed");
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 3 ", _run.Text("xl-panic.log")); // SHUTDOWN_crash
    }

    // API misuse gets the documented result: a 60 K xenstore value is refused (it used to overflow the
    // stack), text is stored as UTF-8, a reply too large for the buffer is TooBig, zero pages is nothing.
    [Fact]
    public void Api_misuse_gets_the_documented_errors()
    {
        _run.AssertStepOk("misuse-done");
        string console = _run.GuestConsole("misuse");
        Assert.Equal(6, Boots.AssertGuestChecksPassed(console, console));
        Assert.Contains("api-misuse: 0 failed", console);
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-misuse.log"));
    }
}
