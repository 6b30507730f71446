using System;
using System.IO;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;
using Xunit.Abstractions;

namespace Unikernel.Tests.Xen;

// One QEMU boot of the real toolstack (Linux dom0, xenstored, xenconsoled, xl) shared by the tests below:
// users' own flow, `xl create hello.cfg`, plus a guest that crashes and is kept for inspection.
public sealed class XlCreateFixture
{
    // Hello is created paused so `xl list` shows it for certain before it runs and powers off.
    // The crash guest uses on_crash = "preserve": the domain then stays in xl list in state 'c'.
    public const string Script = """
        step info xl info
        step list-before xl list
        step create-hello xl create -p hello.cfg
        step list-paused xl list
        step unpause-hello xl unpause hello
        step wait-hello wait_gone hello 60
        step list-after xl list
        step create-crash xl create crash.cfg
        step wait-crash wait_state crash c 60
        step list-crashed xl list
        step destroy-crash xl destroy crash
        """;

    public XlResult Run { get; }

    public XlCreateFixture()
    {
        var scenario = new XlScenario { Script = Script, CacheDir = Repo.Cache, Timeout = TimeSpan.FromSeconds(240) };
        scenario.Guests.Add(new XlGuest("hello", Repo.Image("hello"), File.ReadAllText(Path.Combine(Repo.Root, "samples/Hello/hello.cfg"))));
        scenario.Guests.Add(new XlGuest("crash", Repo.Image("probe"), """
            name = "crash"
            type = "pv"
            kernel = "probe.elf"
            extra = "mode=exit3"
            memory = 32
            on_poweroff = "destroy"
            on_crash = "preserve"
            """));
        Run = XlSession.Run(scenario);
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlCreateTests(XlCreateFixture fixture, ITestOutputHelper output) : IClassFixture<XlCreateFixture>
{
    private readonly XlResult _run = fixture.Run;

    [Fact]
    public void The_toolstack_comes_up_and_dom0_powers_off_at_the_end()
    {
        output.WriteLine($"one xl run: {_run.Boot.Elapsed.TotalSeconds:F1} s (Xen, dom0, scenario, poweroff)");
        foreach (var line in _run.Boot.Log.Split('\n'))
            if (line.StartsWith("@@xl step ", StringComparison.Ordinal) && line.Contains(" rc=")) output.WriteLine(line);
        output.WriteLine(Regex.Match(_run.Step("info").Output, @"(?m)^(total_memory|free_memory)\s*:.*$\n.*").Value);
        Assert.True(_run.Boot.Outcome == BootOutcome.PowerOff && _run.Completed && _run.SetupFailure == null, _run.Describe());
        foreach (var module in Dom0Environment.Modules) Assert.Equal(0, _run.Step($"setup-insmod-{module}").ExitCode);
        Assert.Equal(0, _run.Step("setup-xenstored").ExitCode);
        Assert.Equal(0, _run.Step("setup-xenconsoled").ExitCode);
        Assert.Equal(0, _run.Step("setup-xen-init-dom0").ExitCode);
        Assert.Equal(0, _run.ScenarioExitCode);
    }

    [Fact]
    public void Hello_created_with_xl_greets_on_its_console()
    {
        _run.AssertStepOk("create-hello");
        _run.AssertStepOk("wait-hello");
        string console = _run.GuestConsole("hello");
        // The platform's memory summary and page accounting come first (then its notices), then the greeting.
        Assert.Matches(@"^memory: .*\nmemory: used=.*\n(# .*\n)*Hello from Unikernel\.NET!\n", console);
        Assert.Contains("# xenbus: no block devices found\n", console); // the boot-time device listing
        // As a domU it is not dom0 and its command line is empty (hello.cfg has no extra =).
        Assert.Matches(@"(?m)^facts: xen=4\.17\.\S+ nr_pages=\d+ dom0=no cmdline=""""$", console);
        // memory = 32 MiB is 8192 pages, which libxl populates exactly for a PV guest.
        Assert.Contains(" nr_pages=8192 ", console);
        // Its id and name, read from xenstore.
        Assert.Matches(@"(?m)^domain: id=[1-9]\d* name=hello$", console);
    }

    [Fact]
    public void Xl_list_shows_hello_and_then_its_absence_after_it_powered_off()
    {
        Assert.DoesNotMatch(DomainLine("hello"), _run.AssertStepOk("list-before"));
        Assert.Matches(Regex.Escape("hello") + @"\s+\d+\s+\d+\s+\d+\s+--p---", _run.AssertStepOk("list-paused"));
        Assert.DoesNotMatch(DomainLine("hello"), _run.AssertStepOk("list-after"));
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-hello.log")); // SHUTDOWN_poweroff
    }

    [Fact]
    public void A_crashing_guest_prints_its_panic_and_xl_keeps_it_crashed()
    {
        _run.AssertStepOk("create-crash");
        _run.AssertStepOk("wait-crash");
        Assert.Contains("panic: Main returned 3", _run.GuestConsole("crash"));
        // State column: "---sc-" (shut down, crashed).
        Assert.Matches(@"(?m)^crash\s+\d+\s+\d+\s+\d+\s+[-rbps]*c", _run.AssertStepOk("list-crashed"));
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 3 ", _run.Text("xl-crash.log")); // SHUTDOWN_crash
        _run.AssertStepOk("destroy-crash");
    }

    private static Regex DomainLine(string name) => new($@"(?m)^{Regex.Escape(name)}\s+\d+");
}
