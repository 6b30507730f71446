using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// Save, restore and a cancelled suspend of guests with PV devices (issue 17), in one dom0 boot: the probe
// (mode=suspend-disk, SuspendDiskChecks) reads its disk continuously and writes a region a round, across an
// xl save + xl restore and an xl save -c; the Appliance with a vif and a disk serves Redis clients before and
// after both, over new connections and over one TCP connection held open across them, and a fresh boot of it
// finds on its disk the keys set after the restore. The xl process that watches a domain exits when the domain
// suspends, even for xl save -c ("Domain has suspended."), so after a checkpoint nothing applies on_poweroff:
// the script destroys the powered-off domain itself.
public sealed class XlSaveDeviceFixture
{
    public const string Address = "169.254.0.4";
    public const int RegionBytes = 256 * 512; // SuspendDiskChecks.RegionSectors

    // resp ARGS...: one RESP command on the held connection (fd 3). held_wait TEXT [COUNT]: waits until the held
    // connection's replies hold TEXT COUNT times and prints them.
    public const string HeldConnection = """
        resp() {
            printf '*%d\r\n' $# >&3
            for _a in "$@"; do printf '$%d\r\n%s\r\n' ${#_a} "$_a" >&3; done
        }
        held_wait() {
            _i=0
            while [ "$(grep -c -F "$1" /tmp/kvout)" -lt "${2:-1}" ]; do
                _i=$((_i + 1))
                [ $_i -gt 300 ] && { echo "timeout waiting for '$1' on the held connection"; cat /tmp/kvout; return 1; }
                usleep 100000
            done
            cat /tmp/kvout
        }

        """;

    // disk_guest NAME: the probe's steps, from its first round to its disk file's hash, each step named after it.
    public const string DiskGuest = """
        disk_guest() {
            step $1-ready wait_console $1 "disk: round 1 ok" 60
            step $1-busy sleep 2
            step save-$1 xl save $1 /tmp/$1.save
            step restore-$1 xl restore /tmp/$1.save
            step rm-$1-save rm /tmp/$1.save
            step $1-resumed wait_log $1 "resume hook: restored" 60
            step $1-type type_domain $1 'round\r'
            step $1-round-2 wait_log $1 "disk: round 2 " 90
            step checkpoint-$1 xl save -c $1 /tmp/$1-checkpoint.save
            step $1-cancelled wait_log $1 "resume hook: cancelled" 60
            step rm-$1-checkpoint rm /tmp/$1-checkpoint.save
            step $1-type-2 type_domain $1 'round\r'
            step $1-round-3 wait_log $1 "disk: round 3 " 90
            step $1-quit type_domain $1 'quit\r'
            step $1-off wait_state $1 s 60
            step $1-destroy xl destroy $1
            step $1-sha sh -c "head -c $((3 * 256 * 512)) /tmp/$1.img | sha256sum"
            step rm-$1-disk rm /tmp/$1.img
        }

        """;

    public static readonly string Script = XlScenario.ConsoleHelpers + XlSaveFixture.Helpers + HeldConnection + DiskGuest + $$"""
        step make-disk-dk dd if=/dev/zero of=/tmp/dk.img bs=1M count=4
        step create-dk xl create dk.cfg
        disk_guest dk
        step make-disk-dk0 dd if=/dev/zero of=/tmp/dk0.img bs=1M count=4
        step create-dk0 xl create dk0.cfg
        disk_guest dk0
        step make-kv-disk truncate -s 1M /tmp/kv.img
        step create-kv xl create appliance.cfg
        step kv-listening wait_console appliance "listening on" 120
        step kv-set sh -c 'timeout 30 redis-cli -h {{Address}} set a 1 && timeout 30 redis-cli -h {{Address}} set b two'
        mkfifo /tmp/kvin
        nc.openbsd {{Address}} 6379 < /tmp/kvin > /tmp/kvout 2>&1 &
        exec 3> /tmp/kvin
        step kv-held-set resp SET held before
        step kv-held-set-ok held_wait +OK
        step kv-domid xl domid appliance
        step save-kv xl save appliance /tmp/kv.save
        step restore-kv xl restore /tmp/kv.save
        step rm-kv-save rm /tmp/kv.save
        step kv-resumed wait_log appliance "# appliance: resumed (restored)" 60
        step kv-restored-domid xl domid appliance
        step kv-get sh -c 'timeout 30 redis-cli -h {{Address}} get a && timeout 30 redis-cli -h {{Address}} get b && timeout 30 redis-cli -h {{Address}} set c 3'
        step kv-held-get resp GET held
        step kv-held-get-reply held_wait before
        step kv-held-set-2 resp SET held2 after-restore
        step kv-held-set-2-ok held_wait +OK 2
        step checkpoint-kv xl save -c appliance /tmp/kv-checkpoint.save
        step kv-cancelled wait_log appliance "# appliance: resumed (suspend cancelled)" 60
        step rm-kv-checkpoint rm /tmp/kv-checkpoint.save
        step kv-get-2 sh -c 'timeout 30 redis-cli -h {{Address}} get c && timeout 30 redis-cli -h {{Address}} dbsize'
        step kv-held-get-2 resp GET held2
        step kv-held-get-2-reply held_wait after-restore
        exec 3>&-
        step kv-shutdown xl shutdown -w appliance
        step kv-destroy xl destroy appliance
        step kv-recreate xl create appliance.cfg
        step kv-listening-2 wait_console appliance "listening on" 120 2
        step kv-get-3 sh -c 'timeout 30 redis-cli -h {{Address}} get held2 && timeout 30 redis-cli -h {{Address}} dbsize'
        step kv-shutdown-2 xl shutdown -w appliance
        """;

    public XlResult Run { get; }

    public XlSaveDeviceFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 900, "xl-save-devices.log", dom0MemoryMiB: 320, qemuMemoryMiB: 640);
        // dk waits for its requests in flight before suspending (as by default); dk0 keeps them to issue again.
        scenario.Guests.Add(new XlGuest("dk", Repo.Image("probe"), XlAsserts.ProbeConfig("dk", "mode=suspend-disk")
            + "\ndisk = ['format=raw, vdev=xvda, access=rw, target=/tmp/dk.img']\n"));
        scenario.Guests.Add(new XlGuest("dk0", Repo.Image("probe"), XlAsserts.ProbeConfig("dk0", "mode=suspend-disk suspend-drain-ms=0")
            + "\ndisk = ['format=raw, vdev=xvda, access=rw, target=/tmp/dk0.img']\n"));
        var appliance = XlAsserts.ApplianceGuest();
        scenario.Guests.Add(appliance with
        {
            Config = appliance.Config + $"\nvif = ['bridge={XlConfig.Bridge},mac=00:16:3e:00:00:14,ip={Address}']\n"
                + "disk = ['format=raw, vdev=xvda, access=rw, target=/tmp/kv.img']\n",
        });
        Run = XlSession.Run(scenario);
    }

    // SuspendDiskChecks.Pattern over the first `bytes` of the disk.
    public static byte[] Pattern(int bytes)
    {
        var data = new byte[bytes];
        for (long x = 0; x < bytes; x++) data[x] = (byte)(x * 7 + (x >> 9) * 13 + 5);
        return data;
    }

    public string Console(string name) => XlSaveFixture.Logs(Run, name);
}

[Collection(XlScenarioCollection.Name)]
public class XlSaveDeviceTests(XlSaveDeviceFixture fixture) : IClassFixture<XlSaveDeviceFixture>
{
    private readonly XlResult _run = fixture.Run;

    // The disk reconnects in the restored domain (a new backend path: the new domain id is in it), every
    // region written before is read back whole, the next one written and read back, and the reads going on
    // meanwhile never saw an error. The reads the suspend hook started were in flight at the suspend: dk
    // waited for them (all finished), dk0 (suspend-drain-ms=0) kept them and issued them again after the
    // restore; either way they complete with the right data.
    [Theory]
    [InlineData("dk")]
    [InlineData("dk0")]
    public void A_disk_in_use_survives_save_and_restore(string name)
    {
        _run.AssertStepOk($"save-{name}");
        _run.AssertStepOk($"restore-{name}");
        _run.AssertStepOk($"{name}-round-2");
        string console = fixture.Console(name);
        Assert.Contains("disk: round 1 ok", console);
        var suspended = Regex.Match(console, @"suspend hook: (\d+) disk requests in flight\n# blkfront xvda: suspending: (\d+) requests in flight finished, (\d+) left");
        Assert.True(suspended.Success, console);
        int inFlight = int.Parse(suspended.Groups[1].Value), left = int.Parse(suspended.Groups[3].Value);
        Assert.True(inFlight >= 4, console);
        Assert.Equal(inFlight, int.Parse(suspended.Groups[2].Value) + left);
        Assert.Equal(name == "dk" ? 0 : inFlight, left);
        Assert.Matches(@"resume hook: restored domid=\d+ reads from the suspend hook: 4 of 4 ok", console);
        string restored = console[console.IndexOf("# suspend: resumed in a new domain")..];
        Assert.Matches($@"# blkfront xvda: reconnected to /local/domain/0/backend/vbd/\d+/51712 \(backend domain 0\), {left} requests issued again", restored);
        Assert.Matches(@"disk: round 2 ok: 2 regions of 256 sectors checked, 0 bytes wrong; background reads=\d+ errors=0", console);
        Assert.DoesNotContain("MISMATCH", console);
        Assert.DoesNotContain("FAILED", console);
    }

    // xl save -c: the domain goes on in place with its disk as it was (requests left in flight are answered
    // by the same backend); the next round works, and dom0 finds the three regions in the file.
    [Theory]
    [InlineData("dk")]
    [InlineData("dk0")]
    public void A_cancelled_save_keeps_the_disk_working(string name)
    {
        _run.AssertStepOk($"checkpoint-{name}");
        _run.AssertStepOk($"{name}-round-3");
        string console = fixture.Console(name);
        Assert.Contains("# suspend: cancelled by the toolstack: resumed in place", console);
        Assert.Matches(@"resume hook: cancelled domid=\d+ reads from the suspend hook: 4 of 4 ok", console);
        Assert.Matches(@"disk: round 3 ok: 3 regions of 256 sectors checked, 0 bytes wrong; background reads=\d+ errors=0", console);
        _run.AssertStepOk($"{name}-off");
        _run.AssertStepOk($"{name}-destroy");
        string expected = Convert.ToHexString(SHA256.HashData(XlSaveDeviceFixture.Pattern(3 * XlSaveDeviceFixture.RegionBytes))).ToLowerInvariant();
        Assert.StartsWith(expected, _run.AssertStepOk($"{name}-sha").Trim());
    }

    // The Appliance with a vif and a disk: keys set over TCP before the save are served by the restored
    // domain (a new domain id) to new clients and on the connection held open across the save; the vif
    // reconnected with its MAC; a key set after the restore is on the disk for the next boot.
    [Fact]
    public void The_appliance_serves_its_keys_over_tcp_after_save_and_restore()
    {
        _run.AssertStepOk("kv-set");
        _run.AssertStepOk("kv-held-set-ok");
        _run.AssertStepOk("save-kv");
        _run.AssertStepOk("restore-kv");
        Assert.NotEqual(_run.AssertStepOk("kv-domid").Trim(), _run.AssertStepOk("kv-restored-domid").Trim());
        Assert.Equal(new[] { "1", "two", "OK" }, Lines(_run.AssertStepOk("kv-get")));
        Assert.Contains("before", _run.AssertStepOk("kv-held-get-reply"));
        _run.AssertStepOk("kv-held-set-2-ok");
        string console = fixture.Console("appliance");
        string restored = console[console.IndexOf("# suspend: resumed in a new domain")..];
        Assert.Contains("# net: vif/0 reconnected to /local/domain/0/backend/vif/", restored);
        Assert.Contains("mac 00:16:3e:00:00:14 (unchanged)", restored);
        Assert.Matches(@"# blkfront xvda: reconnected to /local/domain/0/backend/vbd/\d+/51712", restored);
        _run.AssertStepOk("kv-listening-2");
        Assert.Equal(new[] { "after-restore", "5" }, Lines(_run.AssertStepOk("kv-get-3")));
    }

    // xl save -c of the Appliance: it goes on serving, the held connection too.
    [Fact]
    public void A_cancelled_save_of_the_appliance_keeps_serving()
    {
        _run.AssertStepOk("checkpoint-kv");
        _run.AssertStepOk("kv-cancelled");
        Assert.Equal(new[] { "3", "5" }, Lines(_run.AssertStepOk("kv-get-2")));
        _run.AssertStepOk("kv-held-get-2-reply");
        _run.AssertStepOk("kv-shutdown");
    }

    private static string[] Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Trim('"')).Select(l => Regex.Replace(l, @"^\(integer\) ", "")).ToArray();
}
