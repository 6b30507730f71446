using System.IO;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;
using Xunit.Abstractions;

namespace Unikernel.Tests.Xen;

// The footprint goals under the real toolstack, in one boot: Hello and the Appliance run in 4 MiB (the PV
// floor: xl refuses 3), every free page works there, and at 8 MiB Hello holds few pages before Main, each
// one accounted for (Mini-OS minimal holds 148 there; see README, Footprint).
public sealed class XlFootprintFixture
{
    public const string Typed = @"set a 1\rget a\rstatus\r";

    public const string Script = XlScenario.ConsoleHelpers + $$"""
        step create-hello4 xl create hello4.cfg
        step hello4-gone wait_gone hello4 60
        step create-hello8 xl create hello8.cfg
        step hello8-gone wait_gone hello8 60
        step create-mem4 xl create mem4.cfg
        step mem4-gone wait_gone mem4 120
        step create-app4 xl create app4.cfg
        step app4-ready wait_console app4 "appliance ready" 60
        step app4-type type_console app4 '{{Typed}}'
        step app4-status wait_console app4 "status ready keys=1" 30
        step shutdown-app4 xl shutdown -w app4
        """;

    public XlResult Run { get; }

    public XlFootprintFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 300, "xl-footprint-serial.log");
        string hello = File.ReadAllText(Path.Combine(Repo.Root, "samples/Hello/hello.cfg"));
        scenario.Guests.Add(new XlGuest("hello4", Repo.Image("hello"), WithMemory(hello, "hello4", 4)));
        scenario.Guests.Add(new XlGuest("hello8", Repo.Image("hello"), WithMemory(hello, "hello8", 8)));
        scenario.Guests.Add(new XlGuest("mem4", Repo.Image("probe"), XlAsserts.ProbeConfig("mem4", "mode=memory", memory: 4, maxmem: 4)));
        string appliance = File.ReadAllText(Path.Combine(Repo.Root, "samples/Appliance/appliance.cfg"));
        scenario.Guests.Add(new XlGuest("app4", Repo.Image("appliance"), WithMemory(appliance, "app4", 4)));
        Run = XlSession.Run(scenario);
    }

    // The sample's own cfg with another name and memory= / maxmem=.
    private static string WithMemory(string cfg, string name, int mib)
    {
        cfg = Regex.Replace(cfg, @"(?m)^name\s*=.*$", $"name = \"{name}\"");
        cfg = Regex.Replace(cfg, @"(?m)^(memory|maxmem)\s*=.*$\n?", "");
        return cfg + $"\nmemory = {mib}\nmaxmem = {mib}\n";
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlFootprintTests(XlFootprintFixture fixture, ITestOutputHelper output) : IClassFixture<XlFootprintFixture>
{
    private readonly XlResult _run = fixture.Run;

    // Half of Mini-OS minimal's 148 pages before its main at memory=8, measured in the same environment.
    private const ulong MostPagesBeforeMain = 74;

    [Fact]
    public void Hello_runs_in_4_MiB_and_powers_off()
    {
        _run.AssertStepOk("create-hello4");
        _run.AssertStepOk("hello4-gone");
        string console = _run.GuestConsole("hello4");
        Assert.Contains("Hello from Unikernel.NET!", console);
        Assert.Contains(" nr_pages=1024 ", console);
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-hello4.log"));
    }

    [Fact]
    public void Every_free_page_works_in_4_MiB()
    {
        _run.AssertStepOk("mem4-gone");
        string console = _run.GuestConsole("mem4");
        Assert.Contains("memory: 0 failed", console);
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-mem4.log"));
    }

    [Fact]
    public void The_appliance_serves_in_4_MiB()
    {
        foreach (string step in new[] { "create-app4", "app4-ready", "app4-type", "app4-status", "shutdown-app4" }) _run.AssertStepOk(step);
        string console = _run.GuestConsole("app4");
        Assert.Contains("\nok\n", console.Replace("\r", ""));
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-app4.log"));
    }

    [Fact]
    public void Hello_holds_at_most_74_pages_before_main_at_8_MiB_each_accounted_for()
    {
        _run.AssertStepOk("hello8-gone");
        string console = _run.GuestConsole("hello8");
        var s = MemoryBootTests.Summary.Match(console);
        Assert.True(s.Success, console);
        ulong Get(string name) => ulong.Parse(s.Groups[name].Value);
        Assert.Equal(2048UL, Get("nr"));
        ulong used = MemoryBootTests.AssertUsedPagesAccounted(console, Get("nr") - Get("released") - Get("returned") - Get("free"));
        output.WriteLine($"pages in use before Main at memory=8: {used} ({Regex.Match(console, "(?m)^memory: used=.*$").Value})");
        Assert.InRange(used, 1UL, MostPagesBeforeMain);
    }
}
