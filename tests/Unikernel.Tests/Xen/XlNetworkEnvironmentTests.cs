using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// The test network of issue 18, inside the emulated machine only (QEMU keeps -nic none): in one dom0 boot,
// the Linux PV domU (xen-netfront, 169.254.0.2) gets vif = ['bridge=xenbr0,mac=...']; dom0's netback makes
// vifDOMID.0 and our /etc/xen/scripts/vif-bridge puts it on xenbr0, where dom0 is 169.254.0.1. Both sides
// ping, redis-cli in dom0 talks to redis-server in the domU, nc carries a file whose hash both sides print,
// tc adds a netem qdisc on the vif, and xl destroy takes the vif off the bridge. A vif naming a bridge dom0
// lacks fails xl create with the script's reason. Every wait is bounded.
public sealed class XlNetworkEnvironmentFixture
{
    public const string GuestAddress = "169.254.0.2", GuestMac = "00:16:3e:00:00:02";
    public const int BlobKiB = 256;

    public static readonly string Script = XlScenario.ConsoleHelpers + $$"""
        step create-linux xl create linux.cfg
        step linux-ready wait_console linux "linuxnet: ready" 240
        VIF=vif$(xl domid linux).0
        step vif-name echo $VIF
        step bridge-ports bridge link show
        step vif-link ip -o link show dev $VIF
        step dom0-address ip -o addr show dev {{XlConfig.Bridge}}
        step ping-domu ping -c 3 -W 2 {{GuestAddress}}
        step neighbour ip neigh show {{GuestAddress}}
        step redis-ping timeout 30 redis-cli -h {{GuestAddress}} ping
        step redis-set-get sh -c 'timeout 30 redis-cli -h {{GuestAddress}} set issue 18 && timeout 30 redis-cli -h {{GuestAddress}} get issue'
        step nc-blob sh -c 'dd if=/dev/urandom of=/tmp/blob bs=1024 count={{BlobKiB}} 2>/dev/null && sha256sum /tmp/blob'
        step nc-send timeout 60 nc {{GuestAddress}} 7000 < /tmp/blob
        step nc-received wait_console linux "linuxnet: nc-received" 60
        step netem tc qdisc add dev $VIF root netem loss 5%
        step netem-show tc qdisc show dev $VIF
        step destroy-linux xl destroy linux
        step bridge-after bridge link show
        step links-after ip -o link
        step create-nobridge xl create nobridge.cfg
        step list-after-nobridge xl list
        """;

    public XlResult Run { get; }

    public XlNetworkEnvironmentFixture()
    {
        var dom0 = Dom0Environment.Ensure(Repo.Cache, TextWriter.Null);
        // As the block benchmark runs the Linux domU: xl decompresses its kernel in dom0.
        var scenario = new XlScenario
        {
            Script = Script, CacheDir = Repo.Cache, Timeout = TimeSpan.FromSeconds(600),
            SerialLog = Path.Combine(Repo.Root, "artifacts", "xl-network.log"),
            Dom0MemoryMiB = 384, QemuMemoryMiB = 768,
        };
        scenario.Guests.Add(new XlGuest("linux", dom0.LinuxGuestKernel, LinuxConfig("linux", dom0,
            $"ukip={GuestAddress}/{XlConfig.NetworkPrefixLength} ukpeer={XlConfig.Dom0Address} ukrun=serve ukstay=500")
            + XlConfig.Vif(mac: GuestMac)));
        scenario.Guests.Add(new XlGuest("nobridge", dom0.LinuxGuestKernel, LinuxConfig("nobridge", dom0, "ukrun=serve ukstay=5")
            + XlConfig.Vif("nosuchbr0")));
        scenario.Files.Add(new XlFile("domu.cpio", dom0.LinuxGuestInitramfs));
        Run = XlSession.Run(scenario);
    }

    private static string LinuxConfig(string name, Dom0Files dom0, string commandLine) => $"""
        name = "{name}"
        type = "pv"
        kernel = "/scenario/{Path.GetFileName(dom0.LinuxGuestKernel)}"
        ramdisk = "/scenario/domu.cpio"
        {XlConfig.Extra("console=hvc0 quiet " + commandLine).TrimEnd()}
        memory = 160
        on_poweroff = "destroy"
        on_crash = "destroy"

        """;
}

[Collection(XlScenarioCollection.Name)]
public class XlNetworkEnvironmentTests(XlNetworkEnvironmentFixture fixture) : IClassFixture<XlNetworkEnvironmentFixture>
{
    private readonly XlResult _run = fixture.Run;

    private string Vif => _run.AssertStepOk("vif-name").Trim();
    // Linux's console turns \n into \r\n.
    private string Linux => _run.GuestConsole("linux").Replace("\r\n", "\n");

    [Fact]
    public void Dom0_has_the_bridge_with_its_link_local_address()
    {
        Assert.Equal(0, _run.Step("setup-xenbr0").ExitCode);
        Assert.Matches($@"inet {Regex.Escape(XlConfig.Dom0Address)}/16 .*{XlConfig.Bridge}", _run.AssertStepOk("dom0-address"));
    }

    [Fact]
    public void The_guests_vif_joins_the_bridge_up_with_mtu_1500()
    {
        _run.AssertStepOk("create-linux");
        _run.AssertStepOk("linux-ready");
        Assert.Matches(@"^vif[1-9][0-9]*\.0$", Vif);
        Assert.Matches($@"(?m)^\d+: {Regex.Escape(Vif)}\b.* master {XlConfig.Bridge} state forwarding", _run.AssertStepOk("bridge-ports"));
        string link = _run.AssertStepOk("vif-link");
        Assert.Contains($"{Vif}: ", link);
        Assert.Contains(" mtu 1500 ", link);
        Assert.Contains($" master {XlConfig.Bridge} ", link);
        Assert.Contains("fe:ff:ff:ff:ff:ff", link);
        Assert.Matches(@"state (UP|UNKNOWN)", link);
        Assert.Matches($@"(?m)^\S+ vif-bridge online {Regex.Escape(Vif)} bridge {XlConfig.Bridge}$", _run.Text("vif-bridge.log"));
    }

    [Fact]
    public void The_domU_brings_eth0_up_with_its_address_and_pings_dom0()
    {
        Assert.Contains($"linuxnet: eth0 {XlNetworkEnvironmentFixture.GuestAddress}/16 up\n", Linux);
        Assert.Contains($"linuxnet: ping {XlConfig.Dom0Address} ok\n", Linux);
    }

    [Fact]
    public void Dom0_pings_the_domU_and_learns_its_fixed_mac()
    {
        Assert.Matches(@"3 packets transmitted, [1-3] packets received", _run.AssertStepOk("ping-domu"));
        Assert.Contains($"lladdr {XlNetworkEnvironmentFixture.GuestMac}", _run.AssertStepOk("neighbour"));
    }

    [Fact]
    public void Redis_cli_in_dom0_talks_to_redis_server_in_the_domU()
    {
        Assert.Contains("linuxnet: redis-server up\n", Linux);
        Assert.Equal("PONG", _run.AssertStepOk("redis-ping").Trim());
        // Not on a terminal, redis-cli prints a string reply quoted.
        Assert.Equal("OK\n\"18\"", _run.AssertStepOk("redis-set-get").Trim());
    }

    [Fact]
    public void Nc_carries_a_file_from_dom0_to_the_domU_byte_for_byte()
    {
        string sent = Regex.Match(_run.AssertStepOk("nc-blob"), @"^[0-9a-f]{64}").Value;
        Assert.Equal(64, sent.Length);
        _run.AssertStepOk("nc-send");
        _run.AssertStepOk("nc-received");
        Assert.Contains($"linuxnet: nc-received {sent}\n", Linux);
        // Not the hash of nothing: the file arrived, not just the connection.
        Assert.NotEqual(Convert.ToHexString(SHA256.HashData(Array.Empty<byte>())).ToLowerInvariant(), sent);
    }

    [Fact]
    public void Tc_adds_a_netem_qdisc_on_the_vif()
    {
        _run.AssertStepOk("netem");
        Assert.Matches(@"qdisc netem \S+: root .*loss 5%", _run.AssertStepOk("netem-show"));
    }

    [Fact]
    public void Xl_destroy_runs_the_offline_hotplug_and_the_vif_leaves_the_bridge()
    {
        string vif = Vif;
        _run.AssertStepOk("destroy-linux");
        Assert.DoesNotContain(vif, _run.AssertStepOk("bridge-after"));
        Assert.DoesNotContain($"{vif}:", _run.AssertStepOk("links-after"));
        string log = _run.Text("vif-bridge.log");
        Assert.Matches($@"(?m)^\S+ vif-bridge offline {Regex.Escape(vif)} (left bridge {XlConfig.Bridge}|\(on no bridge\))$", log);
        // online came first, offline once.
        Assert.True(log.IndexOf($"online {vif}", StringComparison.Ordinal) < log.IndexOf($"offline {vif}", StringComparison.Ordinal), log);
    }

    [Fact]
    public void A_vif_on_a_bridge_dom0_lacks_fails_xl_create_with_the_reason()
    {
        var step = _run.Step("create-nobridge");
        Assert.NotEqual(0, step.ExitCode);
        Assert.Contains("no bridge nosuchbr0 in dom0", _run.Text("vif-bridge.log"));
        Assert.DoesNotMatch(@"(?m)^nobridge\s+\d+", _run.AssertStepOk("list-after-nobridge"));
    }
}
