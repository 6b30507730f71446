using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// Our network under the real toolstack, in one dom0 boot: the probe (mode=net, NetChecks) gets a vif on
// dom0's bridge and 169.254.0.2 from its command line, and serves UDP echo (7), TCP echo (7), a TCP sink (9)
// and a TCP source (19). Dom0 pings it, round-trips UDP and TCP, sends it 16 MiB and takes 16 MiB from it
// (SHA-256 of both ends compared), then does both again with netem dropping 5% and reordering on the vif,
// and ends the guest with a UDP "quit". Every wait is bounded.
public sealed class XlNetworkFixture
{
    public const string GuestAddress = "169.254.0.2", GuestMac = "00:16:3e:00:00:12";
    public const int TransferMiB = 16;
    // A second probe with no address anywhere gets one from udhcpd in dom0 (a static lease for its MAC, so
    // dom0 knows where to reach it); the short lease is renewed twice while the test waits a whole lease.
    public const string DhcpFirst = "169.254.0.100", DhcpMac = "00:16:3e:00:00:13";
    public const int DhcpLeaseSeconds = 16;

    public static readonly string Script = XlScenario.ConsoleHelpers + $$"""
        step create-net xl create net.cfg
        step net-ready wait_console net "net: ready" 120
        VIF=vif$(xl domid net).0
        step ping timeout 30 ping -c 5 -W 3 {{GuestAddress}}
        step udp-echo sh -c 'echo udp-hello | timeout 10 nc.openbsd -u -w 3 {{GuestAddress}} 7'
        step tcp-echo sh -c 'echo tcp-hello | timeout 20 nc.openbsd -N -w 10 {{GuestAddress}} 7'
        step make-blob sh -c 'dd if=/dev/urandom of=/tmp/blob bs=1M count={{TransferMiB}} 2>/dev/null && sha256sum /tmp/blob'
        step sink timeout 150 nc.openbsd -N -w 30 {{GuestAddress}} 9 < /tmp/blob
        step sink-done wait_console net "net: sink" 30
        step source sh -c 'timeout 150 nc {{GuestAddress}} 19 < /dev/null | sha256sum'
        step netem tc qdisc add dev $VIF root netem loss 5% delay 1ms reorder 10% 50%
        step ingress tc qdisc add dev $VIF ingress
        step ingress-drop tc filter add dev $VIF parent ffff: matchall action gact pass random netrand drop 20
        step lossy-sink timeout 240 nc.openbsd -N -w 60 {{GuestAddress}} 9 < /tmp/blob
        step lossy-sink-done wait_console net "net: sink" 30 2
        step lossy-source sh -c 'timeout 240 nc {{GuestAddress}} 19 < /dev/null | sha256sum'
        step stats sh -c 'printf stats | timeout 10 nc.openbsd -u -w 1 {{GuestAddress}} 7; grep Tcp: /proc/net/snmp'
        step netem-stats sh -c '/usr/sbin/tc -s qdisc show dev $0; /usr/sbin/tc -s filter show dev $0 parent ffff:' $VIF
        step netem-off sh -c '/usr/sbin/tc qdisc del dev $0 root; /usr/sbin/tc qdisc del dev $0 ingress' $VIF
        step quit sh -c 'printf quit | timeout 10 nc.openbsd -u -w 1 {{GuestAddress}} 7'
        step net-done wait_gone net 60
        printf 'start {{DhcpFirst}}\nend 169.254.0.110\ninterface xenbr0\nlease_file /tmp/udhcpd.leases\noption subnet 255.255.0.0\noption router {{XlConfig.Dom0Address}}\noption lease {{DhcpLeaseSeconds}}\nstatic_lease {{DhcpMac}} {{DhcpFirst}}\n' > /tmp/udhcpd.conf
        touch /tmp/udhcpd.leases
        step udhcpd busybox udhcpd /tmp/udhcpd.conf
        step create-dhcp xl create dhcp.cfg
        step dhcp-ready wait_console dhcp "net: ready" 120
        step dhcp-ping timeout 30 ping -c 3 -W 3 {{DhcpFirst}}
        sleep {{DhcpLeaseSeconds}}
        step dhcp-quit sh -c 'printf quit | timeout 10 nc.openbsd -u -w 1 {{DhcpFirst}} 7'
        step dhcp-done wait_gone dhcp 60
        """;

    public XlResult Run { get; }

    public XlNetworkFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 900, "xl-net.log");
        scenario.Guests.Add(new XlGuest("net", Repo.Image("probe"),
            XlAsserts.ProbeConfig("net", $"mode=net ip={GuestAddress}/16", memory: 64, maxmem: 64, onCrash: "destroy") + "\n" + XlConfig.Vif(mac: GuestMac)));
        scenario.Guests.Add(new XlGuest("dhcp", Repo.Image("probe"),
            XlAsserts.ProbeConfig("dhcp", "mode=net", memory: 32, maxmem: 32, onCrash: "destroy") + "\n" + XlConfig.Vif(mac: DhcpMac)));
        Run = XlSession.Run(scenario);
    }

    // The source's stream (NetChecks.Pattern).
    public static byte[] SourcePattern(int bytes)
    {
        var data = new byte[bytes];
        for (long x = 0; x < bytes; x++) data[x] = (byte)(x * 7 + (x >> 9) * 13 + 1);
        return data;
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlNetworkTests(XlNetworkFixture fixture) : IClassFixture<XlNetworkFixture>
{
    private readonly XlResult _run = fixture.Run;

    private string Console => _run.GuestConsole("net");

    private static string Sha(string stepOutput) => Regex.Match(stepOutput, "^([0-9a-f]{64}) ", RegexOptions.Multiline).Groups[1].Value;

    [Fact]
    public void The_vif_connects_with_its_mac_and_address()
    {
        _run.AssertStepOk("net-ready");
        Assert.Contains($"# net: vif/0 up, mac {XlNetworkFixture.GuestMac}, address {XlNetworkFixture.GuestAddress}/16\n", Console);
    }

    [Fact]
    public void Dom0_pings_the_guest()
    {
        _run.AssertStepOk("ping");
        Assert.Contains("5 packets transmitted, 5 packets received", _run.Step("ping").Output);
    }

    [Fact]
    public void Udp_and_tcp_echo_round_trip()
    {
        _run.AssertStepOk("udp-echo");
        Assert.Equal("udp-hello", _run.Step("udp-echo").Output.Trim());
        _run.AssertStepOk("tcp-echo");
        Assert.Equal("tcp-hello", _run.Step("tcp-echo").Output.Trim());
    }

    [Fact]
    public void Sixteen_MiB_reach_the_guest_byte_for_byte()
    {
        _run.AssertStepOk("sink");
        string sent = Sha(_run.Step("make-blob").Output);
        Assert.Matches("^[0-9a-f]{64}$", sent);
        var sinks = Regex.Matches(Console, @"net: sink (\d+) bytes sha256 ([0-9a-f]{64})\n");
        Assert.True(sinks.Count >= 1, Console);
        Assert.Equal((XlNetworkFixture.TransferMiB << 20).ToString(), sinks[0].Groups[1].Value);
        Assert.Equal(sent, sinks[0].Groups[2].Value);
    }

    [Fact]
    public void Sixteen_MiB_reach_dom0_byte_for_byte()
    {
        _run.AssertStepOk("source");
        string expected = Convert.ToHexString(SHA256.HashData(XlNetworkFixture.SourcePattern(XlNetworkFixture.TransferMiB << 20))).ToLowerInvariant();
        Assert.Equal(expected, Sha(_run.Step("source").Output));
        Assert.Contains($"net: source {XlNetworkFixture.TransferMiB << 20} bytes sha256 {expected}\n", Console);
        // netback offers feature-sg and feature-gso-tcpv4: the guest sent large segments that netback cut (TSO),
        // built in netfront's granted buffers (no copy) while one was free.
        var counters = Regex.Matches(Console, @"net: counters .*\n").Last().Value;
        Assert.Matches(@"tx=\d+/\d+B \([1-9]\d* large, [1-9]\d* in place\)", counters);
        Assert.Matches(@"large-out=[1-9]", counters);
    }

    [Fact]
    public void With_loss_and_reordering_both_transfers_still_arrive_whole_and_retransmissions_repaired_them()
    {
        _run.AssertStepOk("netem");
        _run.AssertStepOk("lossy-sink");
        string sent = Sha(_run.Step("make-blob").Output);
        var sinks = Regex.Matches(Console, @"net: sink (\d+) bytes sha256 ([0-9a-f]{64})\n");
        Assert.Equal(2, sinks.Count);
        Assert.Equal(sent, sinks[1].Groups[2].Value);
        string expected = Convert.ToHexString(SHA256.HashData(XlNetworkFixture.SourcePattern(XlNetworkFixture.TransferMiB << 20))).ToLowerInvariant();
        Assert.Equal(expected, Sha(_run.Step("lossy-source").Output));
        // netem dropped packets towards the guest and gact what the guest sent, and the guest's TCP retransmitted.
        _run.AssertStepOk("ingress-drop");
        var dropped = Regex.Match(_run.Step("netem-stats").Output, @"dropped (\d+)");
        Assert.True(dropped.Success && long.Parse(dropped.Groups[1].Value) > 0, _run.Step("netem-stats").Output);
        var counters = Regex.Matches(Console, @"net: counters .*\n").Last().Value;
        long repaired = Regex.Matches(counters, @"(?<![\w-])(?:rexmit|fast-rexmit)=(\d+)").Sum(m => long.Parse(m.Groups[1].Value));
        Assert.True(repaired > 0, counters);
    }

    // RFC 2131 against busybox's udhcpd: DISCOVER, OFFER, REQUEST, ACK; the address, mask and router
    // taken; dom0 reaches the guest there; renewals at half the lease keep it.
    [Fact]
    public void A_guest_without_an_address_leases_one_from_dhcp_and_renews_it()
    {
        _run.AssertStepOk("udhcpd");
        _run.AssertStepOk("dhcp-ready");
        string console = _run.GuestConsole("dhcp");
        Assert.Matches($@"# net: vif/\d+ up, mac {XlNetworkFixture.DhcpMac}, address {Regex.Escape(XlNetworkFixture.DhcpFirst)}/16, gateway 169\.254\.0\.1 \(DHCP from 169\.254\.0\.1, lease {XlNetworkFixture.DhcpLeaseSeconds} s\)", console);
        _run.AssertStepOk("dhcp-ping");
        _run.AssertStepOk("dhcp-done");
        var dhcp = Regex.Match(Regex.Matches(console, @"net: counters .*\n").Last().Value, @"dhcp offers=(\d+) acks=(\d+) naks=0 losses=0");
        Assert.True(dhcp.Success, console);
        Assert.True(int.Parse(dhcp.Groups[2].Value) >= 2, $"no renewal in a whole lease: {dhcp.Value}");
    }

    [Fact]
    public void A_quit_datagram_ends_the_guest_with_its_counters()
    {
        _run.AssertStepOk("net-done");
        Assert.Matches(@"net: counters vif rx=\d+", Console);
    }
}
