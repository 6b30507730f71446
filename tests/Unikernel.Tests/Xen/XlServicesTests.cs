using System;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// The services a domU gets from the toolstack, in one boot of the real toolstack: xenstore (its domid and
// name, a watch on control/shutdown), the console ring both ways, xl shutdown and xl reboot, memory= and
// maxmem= with ballooning up, and 1 MiB of output through the ring byte for byte.
public sealed class XlServicesFixture
{
    public const string Script = XlScenario.ConsoleHelpers + """
        step create-svc xl create svc.cfg
        step svc-ready wait_console svc "echo ready" 60
        step type-line type_console svc 'typed over the ring\r'
        step svc-echo wait_console svc "echo: typed over the ring (19 bytes)" 30
        step shutdown-svc xl shutdown -w svc
        step list-after-shutdown xl list
        step create-rb xl create rb.cfg
        step rb-ready wait_console rb "echo ready" 60
        step reboot-rb xl reboot rb
        step rb-ready-again wait_console rb "echo ready" 60 2
        step destroy-rb xl destroy rb
        step create-mem xl create mem.cfg
        step mem-done wait_gone mem 120
        step create-mb xl create mb.cfg
        step mb-done wait_gone mb 180

        """ + ApplianceSteps;

    // The appliance as a client drives it; then with xenstored stopped (SIGSTOP): "set" still replies at
    // once, the status write that follows waits and a notice says so, requests typed meanwhile are
    // answered once xenstored runs again.
    public const string ApplianceTyped = @"set a 1\rset b 2\rget b\rfrobnicate\r", ApplianceStatus = @"status\r",
        ApplianceTypedStuck = @"set c 3\r", ApplianceTypedWaiting = @"get c\rstatus\r";

    public const string ApplianceSteps = $$"""
        step create-appliance xl create appliance.cfg
        step appliance-ready wait_console appliance "appliance ready" 60
        step appliance-type type_console appliance '{{ApplianceTyped}}'
        step appliance-replies wait_console appliance "error unknown command 'frobnicate'" 30
        step appliance-type-status type_console appliance '{{ApplianceStatus}}'
        step appliance-status wait_console appliance "status ready keys=2 xenstore=published" 30
        step appliance-stop-xenstored kill -STOP $(pidof xenstored)
        step appliance-type-stuck type_console appliance '{{ApplianceTypedStuck}}'
        step appliance-slow-notice wait_console appliance "# status: xenstore has not answered" 30
        step appliance-type-waiting type_console appliance '{{ApplianceTypedWaiting}}'
        step appliance-stuck sleep 2
        step appliance-cont-xenstored kill -CONT $(pidof xenstored)
        step appliance-status-after wait_console appliance "status ready keys=3 xenstore=published" 30
        step shutdown-appliance xl shutdown -w appliance
        """;

    public XlResult Run { get; }

    public XlServicesFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 420, "xl-services.log");
        string probe = Repo.Image("probe");
        scenario.Guests.Add(new XlGuest("svc", probe, XlAsserts.ProbeConfig("svc", "mode=xl-services", memory: 32, maxmem: 64)));
        scenario.Guests.Add(new XlGuest("rb", probe, XlAsserts.ProbeConfig("rb", "mode=xl-services", memory: 32, maxmem: 32)));
        scenario.Guests.Add(new XlGuest("mem", probe, XlAsserts.ProbeConfig("mem", "mode=memory", memory: 32, maxmem: 48)));
        scenario.Guests.Add(new XlGuest("mb", probe, XlAsserts.ProbeConfig("mb", "mode=megabyte", memory: 40, maxmem: 40)));
        scenario.Guests.Add(XlAsserts.ApplianceGuest());
        Run = XlSession.Run(scenario);
    }

}

[Collection(XlScenarioCollection.Name)]
public class XlServicesTests(XlServicesFixture fixture) : IClassFixture<XlServicesFixture>
{
    private readonly XlResult _run = fixture.Run;

    private static readonly Regex Summary = new(@"^memory: map=\d+ entries \(\d+ sanitized, (?<ram>\d+) RAM pages\) nr_pages=(?<nr>\d+) max_pages=\d+ extra=(?<extra>\d+) ", RegexOptions.Multiline);

    [Fact]
    public void The_guest_reads_its_domid_and_name_from_xenstore()
    {
        _run.AssertStepOk("create-svc");
        _run.AssertStepOk("svc-ready");
        string console = _run.GuestConsole("svc");
        var ids = Regex.Match(console, @"^xenstore: domid=(?<id>\d+) name=(?<name>\S+)$", RegexOptions.Multiline);
        Assert.True(ids.Success, console);
        Assert.Equal("svc", ids.Groups["name"].Value);
        Assert.True(int.Parse(ids.Groups["id"].Value) > 0, "a domU's id is never 0");
        Assert.Matches(@"(?m)^console tty: /dev/pts/\d+$", console);
        // XS_DIRECTORY of its home lists what libxl wrote there.
        var home = Regex.Match(console, @"^xenstore home:(?<names>.*)$", RegexOptions.Multiline);
        Assert.True(home.Success, console);
        var names = home.Groups["names"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("name", names);
        Assert.Contains("domid", names);
        Assert.Contains("console", names);
        Assert.Contains("control", names);
    }

    [Fact]
    public void A_line_typed_into_the_console_reaches_the_guest_and_its_reply_comes_back()
    {
        _run.AssertStepOk("type-line");
        _run.AssertStepOk("svc-echo");
    }

    [Fact]
    public void Xl_shutdown_runs_the_hook_and_powers_off_cleanly()
    {
        _run.AssertStepOk("shutdown-svc");
        Assert.Contains("shutdown hook: poweroff", _run.GuestConsole("svc"));
        Assert.DoesNotMatch(@"(?m)^svc\s+\d+", _run.AssertStepOk("list-after-shutdown"));
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-svc.log")); // SHUTDOWN_poweroff
    }

    [Fact]
    public void Xl_reboot_restarts_the_guest()
    {
        _run.AssertStepOk("reboot-rb");
        _run.AssertStepOk("rb-ready-again");
        string console = _run.GuestConsole("rb");
        Assert.Contains("shutdown hook: reboot", console);
        Assert.Equal(2, Regex.Matches(console, "^echo ready$", RegexOptions.Multiline).Count);
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 1 ", _run.Text("xl-rb.log")); // SHUTDOWN_reboot
        _run.AssertStepOk("destroy-rb");
    }

    // memory= is what the guest starts with; maxmem= is the RAM of its memory map (the extra space it may be
    // ballooned into).
    [Fact]
    public void Memory_and_maxmem_show_in_the_summary_and_ballooning_reaches_maxmem()
    {
        _run.AssertStepOk("mem-done");
        string console = _run.GuestConsole("mem");
        var s = Summary.Match(console);
        Assert.True(s.Success, console);
        Assert.Equal(32UL * 256, ulong.Parse(s.Groups["nr"].Value));
        Assert.InRange(ulong.Parse(s.Groups["ram"].Value), 48UL * 256, 48UL * 256 + 8 * 256); // maxmem plus Linux's 8 MiB slack at most
        Assert.Equal(16UL * 256, ulong.Parse(s.Groups["extra"].Value));
        var t = Regex.Match(console, @"^memtest: free=(?<free>\d+) allocated=(?<allocated>\d+) populated=(?<populated>\d+) verified=(?<verified>\d+) budget=(?<budget>\d+)$", RegexOptions.Multiline);
        Assert.True(t.Success, console);
        // libxl lets a PV guest hold memory= plus 1 MiB (LIBXL_MAXMEM_CONSTANT) until `xl mem-set` raises it,
        // and the pages the guest gave back at boot may come back: it balloons up exactly to what Xen allows.
        ulong budget = ulong.Parse(t.Groups["budget"].Value);
        ulong returned = ulong.Parse(MemoryBootTests.Summary.Match(console).Groups["returned"].Value);
        Assert.Equal(6UL, returned); // page 0, the four-page stack guard, the page under shared_info
        Assert.Equal(256UL + returned, budget);
        Assert.Equal(budget, ulong.Parse(t.Groups["populated"].Value));
        Assert.Equal(t.Groups["allocated"].Value, t.Groups["verified"].Value);
        Assert.Contains("memory: 0 failed", console);

        var svc = Summary.Match(_run.GuestConsole("svc"));
        Assert.Equal(32UL * 256, ulong.Parse(svc.Groups["extra"].Value)); // maxmem 64 - memory 32
    }

    [Fact]
    public void A_mebibyte_of_output_arrives_byte_for_byte()
    {
        _run.AssertStepOk("mb-done");
        string console = _run.GuestConsole("mb");
        const string Begin = "megabyte: begin\n", End = "megabyte: end\n";
        int start = console.IndexOf(Begin, StringComparison.Ordinal), end = console.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "markers missing; console tail: " + console[^Math.Min(400, console.Length)..]);
        string body = console[(start + Begin.Length)..end];
        string expected = MegabyteOutput.Expected();
        Assert.True(expected.Length >= 1 << 20);
        int firstDifference = Enumerable.Range(0, Math.Min(body.Length, expected.Length)).FirstOrDefault(i => body[i] != expected[i], -1);
        Assert.True(body.Length == expected.Length && firstDifference < 0,
            $"got {body.Length} bytes, expected {expected.Length}; first difference at {firstDifference}");
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(expected))),
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(body))));
    }

    // The appliance sample under xl: answers over the console ring, publishes its status in xenstore (its
    // status reply says so), keeps answering at once while xenstored is stuck (a "# " notice reports the
    // waiting write, and a client still reads one reply per request), and xl shutdown runs its hook before a
    // clean poweroff.
    [Fact]
    public void The_appliance_serves_over_xl_console_and_stops_on_xl_shutdown()
    {
        foreach (string step in new[] { "appliance-ready", "appliance-type", "appliance-replies", "appliance-type-status", "appliance-status",
            "appliance-stop-xenstored", "appliance-type-stuck", "appliance-slow-notice", "appliance-type-waiting", "appliance-cont-xenstored",
            "appliance-status-after", "shutdown-appliance" })
            _run.AssertStepOk(step);
        string console = _run.GuestConsole("appliance");
        Assert.Matches(@"(?m)^# appliance: domain \d+ 'appliance', console /dev/pts/\d+, status in /local/domain/\d+/data/appliance$", console);
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-appliance.log"));

        string typed = (XlServicesFixture.ApplianceTyped + XlServicesFixture.ApplianceStatus + XlServicesFixture.ApplianceTypedStuck
            + XlServicesFixture.ApplianceTypedWaiting).Replace(@"\r", "\r");
        var (exchanges, notices) = ApplianceTranscript.Parse(ApplianceTranscript.Requests(typed),
            console.Split('\n').Where(l => l.Length > 0));
        const string Status = "; storage: memory only (lost at shutdown)";
        Assert.Equal(
        [
            ("set a 1", "ok"), ("set b 2", "ok"), ("get b", "value 2"), ("frobnicate", "error unknown command 'frobnicate' (try help)"),
            ("status", "status ready keys=2 xenstore=published" + Status),
            ("set c 3", "ok"), ("get c", "value 3"), ("status", "status ready keys=3 xenstore=published" + Status),
        ], exchanges.Select(e => (e.Request, e.Reply)));

        // The stuck write: "set c 3" was answered before the watchdog spoke, "get c" after xenstored answered.
        var slow = notices.Single(n => n.Text == "# status: xenstore has not answered a write for 1000 ms; requests wait until it does");
        var answered = notices.Single(n => n.Text.StartsWith("# status: xenstore answered after "));
        Assert.True(exchanges[5].Line < slow.Line && slow.Line < answered.Line && answered.Line < exchanges[6].Line, console);
        Assert.InRange(int.Parse(Regex.Match(answered.Text, @"after (\d+) ms$").Groups[1].Value), 1000, 60_000);
        Assert.Equal("# appliance: goodbye (power off); 3 keys lost (memory only)", notices[^1].Text);
        Assert.Equal(4, notices.Length); // greeting, slow, answered, goodbye
    }
}
