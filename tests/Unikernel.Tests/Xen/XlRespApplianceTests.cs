using System;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// The Appliance as a Redis server under the real toolstack: its address comes from the vif's ip= (libxl puts
// it in the backend's xenstore node); dom0's redis-cli and redis-benchmark talk to it: a scripted session, a
// bad command, a 100 KB value, two clients at once, pipelining; the console keeps its line protocol meanwhile.
public sealed class XlRespApplianceFixture
{
    public const string Address = "169.254.0.3";

    public static readonly string Script = XlScenario.ConsoleHelpers + $$"""
        step create-kv xl create appliance.cfg
        step kv-listening wait_console appliance "listening on" 120
        step ping timeout 30 redis-cli -h {{Address}} ping
        step session sh -c 'printf "SET a 1\nSET b hello\nGET b\nEXISTS a b c\nDEL a\nGET a\nDBSIZE\nKEYS *\n" | timeout 30 redis-cli -h {{Address}}'
        step bad-command timeout 30 redis-cli -h {{Address}} frobnicate x
        step wrong-arity timeout 30 redis-cli -h {{Address}} get
        step big-value sh -c 'head -c 76800 /dev/urandom | base64 -w0 > /tmp/v && wc -c < /tmp/v && sha256sum < /tmp/v && timeout 60 redis-cli -h {{Address}} -x set big < /tmp/v && timeout 60 redis-cli -h {{Address}} --raw get big | head -c $(wc -c < /tmp/v) | sha256sum'
        step two-clients sh -c 'timeout 120 redis-cli -h {{Address}} -r 100 set one 1 > /tmp/c1 2>&1 & timeout 120 redis-cli -h {{Address}} -r 100 set two 2 > /tmp/c2 2>&1; wait; grep -c OK /tmp/c1; grep -c OK /tmp/c2'
        step benchmark timeout 300 redis-benchmark -h {{Address}} -t set,get -n 2000 -c 10 -P 16 -q
        step console-status type_console appliance 'status\r'
        step console-status-reply wait_console appliance "status ready" 30
        step info timeout 30 redis-cli -h {{Address}} info
        step quit-client timeout 30 redis-cli -h {{Address}} quit
        step console-quit type_console appliance 'quit\r'
        step kv-gone wait_gone appliance 60
        """;

    public XlResult Run { get; }

    public XlRespApplianceFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 900, "xl-resp.log");
        var guest = XlAsserts.ApplianceGuest();
        scenario.Guests.Add(guest with { Config = guest.Config + $"\nvif = ['bridge={XlConfig.Bridge},mac=00:16:3e:00:00:13,ip={Address}']\n" });
        Run = XlSession.Run(scenario);
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlRespApplianceTests(XlRespApplianceFixture fixture) : IClassFixture<XlRespApplianceFixture>
{
    private readonly XlResult _run = fixture.Run;

    private string Output(string step) => _run.AssertStepOk(step);

    [Fact]
    public void It_announces_where_it_listens()
    {
        Assert.Contains($"# appliance: listening on {XlRespApplianceFixture.Address}:6379 (Redis protocol", _run.GuestConsole("appliance"));
        Assert.Equal("PONG", Output("ping").Trim());
    }

    [Fact]
    public void A_scripted_redis_cli_session_gets_redis_answers()
    {
        string[] lines = Output("session").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
        Assert.Equal(new[] { "OK", "OK", "\"hello\"", "(integer) 2", "(integer) 1", "(nil)", "(integer) 1", "1) \"b\"" }, lines);
    }

    [Fact]
    public void Errors_come_back_as_redis_errors()
    {
        Assert.Contains("ERR unknown command 'frobnicate', with args beginning with: 'x'", Output("bad-command"));
        Assert.Contains("ERR wrong number of arguments for 'get' command", Output("wrong-arity"));
    }

    [Fact]
    public void A_100_KB_value_round_trips()
    {
        string[] lines = Output("big-value").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("102400", lines[0].Trim());
        string sent = lines[1].Split(' ')[0];
        Assert.Contains("OK", lines[2]);
        Assert.Equal(sent, lines[3].Split(' ')[0]);
    }

    [Fact]
    public void Two_clients_are_served_at_once()
    {
        string[] counts = Output("two-clients").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("100", counts[0].Trim());
        Assert.Equal("100", counts[1].Trim());
    }

    [Fact]
    public void Redis_benchmark_with_pipelining_completes()
    {
        string output = Output("benchmark");
        Assert.Matches(@"SET: [\d.]+ requests per second", output);
        Assert.DoesNotContain("Could not fetch server CONFIG", output);
        Assert.Matches(@"GET: [\d.]+ requests per second", output);
    }

    [Fact]
    public void The_console_keeps_its_protocol_and_info_reports_the_store()
    {
        _run.AssertStepOk("console-status-reply");
        Assert.Contains("connected_clients:", Output("info"));
        Assert.Contains("db0:keys=", Output("info"));
        Assert.Equal("OK", Output("quit-client").Trim());
        _run.AssertStepOk("kv-gone");
    }
}
