using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// Block devices under the real toolstack, in one dom0 boot: dom0's own blkback (xen-blkback over a loop
// device that our /etc/xen/scripts/block sets up) serves a 16 MiB file as xvda and a read-only one as xvdb
// to the probe (mode=block), which writes a pattern, reads it back, flushes and checks the errors; dom0 then
// hashes the backing file. A guest without disks says so; a disk whose file is missing fails xl create.
public sealed class XlBlockFixture
{
    public const int DiskMiB = 16;

    public static readonly string Script = XlScenario.ConsoleHelpers + $$"""
        step make-disk dd if=/dev/zero of=/tmp/disk.img bs=1M count={{DiskMiB}}
        step make-ro-disk sh -c 'printf ro-disk > /tmp/ro.img && truncate -s 1M /tmp/ro.img'
        step create-block xl create block.cfg
        step block-done wait_gone block 240
        step disk-sha sha256sum /tmp/disk.img
        step ro-unchanged sh -c 'head -c 7 /tmp/ro.img; echo; sha256sum /tmp/ro.img'
        step losetup-after losetup -a
        step create-nodisk xl create nodisk.cfg
        step nodisk-done wait_gone nodisk 60
        step create-grants xl create grants.cfg
        step grants-done wait_gone grants 60
        step create-missing xl create missing.cfg
        step list-after-missing xl list
        """;

    public XlResult Run { get; }

    public XlBlockFixture()
    {
        var scenario = XlAsserts.Scenario(Script, 420, "xl-block.log");
        string probe = Repo.Image("probe");
        scenario.Guests.Add(new XlGuest("block", probe, XlAsserts.ProbeConfig("block", "mode=block", onCrash: "destroy")
            + "\ndisk = ['format=raw, vdev=xvda, access=rw, target=/tmp/disk.img', 'format=raw, vdev=xvdb, access=ro, target=/tmp/ro.img']\n"));
        scenario.Guests.Add(new XlGuest("nodisk", probe, XlAsserts.ProbeConfig("nodisk", "mode=block", onCrash: "destroy")));
        scenario.Guests.Add(new XlGuest("grants", probe, XlAsserts.ProbeConfig("grants", "mode=grants", onCrash: "destroy") + "\nmax_grant_frames = 4\n"));
        scenario.Guests.Add(new XlGuest("missing", probe, XlAsserts.ProbeConfig("missing", "mode=block", onCrash: "destroy")
            + "\ndisk = ['format=raw, vdev=xvda, access=rw, target=/tmp/no-such-file.img']\n"));
        Run = XlSession.Run(scenario);
    }

    // The probe's pattern (BlockChecks.Pattern): sector number in the first 8 bytes of each 512-byte sector.
    public static byte[] Pattern(int bytes)
    {
        var data = new byte[bytes];
        for (long x = 0; x < bytes; x++)
        {
            long sector = x / 512, i = x % 512;
            data[x] = i < 8 ? (byte)(sector >> (int)(8 * i)) : (byte)(sector * 31 + i * 7 + 1);
        }
        return data;
    }
}

[Collection(XlScenarioCollection.Name)]
public class XlBlockTests(XlBlockFixture fixture) : IClassFixture<XlBlockFixture>
{
    private readonly XlResult _run = fixture.Run;

    private string Console(string name) => _run.GuestConsole(name);

    [Fact]
    public void Boot_lists_the_disks_the_toolstack_gave()
    {
        _run.AssertStepOk("create-block");
        string console = Console("block");
        Assert.Contains("# xenbus: found vbd/51712 (xvda)\n", console);
        Assert.Contains("# xenbus: found vbd/51728 (xvdb)\n", console);
        Assert.DoesNotContain("no block devices", console);
    }

    [Fact]
    public void The_disk_connects_with_its_size_and_features()
    {
        string console = Console("block");
        Assert.Contains($"block: xvda sectors={XlBlockFixture.DiskMiB * 2048} sector-size=512 read-only=no flush=yes\n", console);
        Assert.Contains("block: xvdb sectors=2048 read-only=yes\n", console);
    }

    [Fact]
    public void Every_check_of_the_guest_passes()
    {
        _run.AssertStepOk("block-done");
        string console = Console("block");
        var checks = Regex.Matches(console, @"(?m)^check (?<name>\S+): (?<result>ok|FAIL)$");
        var names = checks.Select(m => m.Groups["name"].Value).ToArray();
        foreach (var expected in new[] { "block-write-pattern", "block-several-in-flight", "block-flush", "block-read-back",
                     "block-past-end-refused", "block-partial-sector-refused", "block-too-long-refused", "block-ring-full-refused",
                     "block-complete-unknown-tag",
                     "block-backend-error", "block-backend-eopnotsupp", "block-works-after-errors", "block-ro-flagged", "block-ro-write-refused", "block-ro-read" })
            Assert.Contains(expected, names);
        Assert.All(checks, m => Assert.True(m.Groups["result"].Value == "ok", $"{m.Value}\n{console}"));
        // It powered off cleanly (Main returned 0), not crashed.
        Assert.Matches(@"(?m)^Domain \d+ has shut down, reason code 0 ", _run.Text("xl-block.log"));
    }

    [Fact]
    public void Dom0_finds_the_guests_pattern_byte_for_byte_in_the_backing_file()
    {
        string expected = Convert.ToHexString(SHA256.HashData(XlBlockFixture.Pattern(XlBlockFixture.DiskMiB << 20))).ToLowerInvariant();
        Assert.Matches($@"(?m)^{expected}\s+/tmp/disk\.img$", _run.AssertStepOk("disk-sha"));
    }

    [Fact]
    public void Errors_name_the_operation_and_sector()
    {
        string console = Console("block");
        Assert.Contains($"block: write at sector {XlBlockFixture.DiskMiB * 2048} failed: -22 (EINVAL: not whole sectors within the disk, or too long)\n", console);
        Assert.Contains("block: write at sector 0 failed: -30 (EROFS: the disk is read-only)\n", console);
        // Answered by blkback itself: past the real end, and an operation it does not know.
        Assert.Contains($"block: read at sector {XlBlockFixture.DiskMiB * 2048} failed: -5 (EIO: the backend answered BLKIF_RSP_ERROR)\n", console);
        Assert.Contains("block: operation 127 answered -95 (EOPNOTSUPP)\n", console);
    }

    [Fact]
    public void A_read_only_disk_is_not_changed()
    {
        string output = _run.AssertStepOk("ro-unchanged");
        string expected = Convert.ToHexString(SHA256.HashData(RoImage())).ToLowerInvariant();
        Assert.StartsWith("ro-disk\n", output);
        Assert.Contains(expected, output);
    }

    private static byte[] RoImage()
    {
        var bytes = new byte[1 << 20];
        "ro-disk"u8.CopyTo(bytes);
        return bytes;
    }

    [Fact]
    public void The_disks_are_disconnected_at_shutdown_and_their_loop_devices_released()
    {
        Assert.Contains("# blkfront xvda: closed\n", Console("block"));
        Assert.Contains("# blkfront xvdb: closed\n", Console("block"));
        Assert.DoesNotContain("/tmp/disk.img", _run.AssertStepOk("losetup-after"));
    }

    [Fact]
    public void A_guest_without_disks_says_no_block_devices_were_found()
    {
        _run.AssertStepOk("create-nodisk");
        _run.AssertStepOk("nodisk-done");
        string console = Console("nodisk");
        Assert.Contains("# xenbus: no block devices found\n", console);
        Assert.Contains("block: no xvda\n", console);
    }

    // max_grant_frames = 4 in the cfg: the table starts with one frame and grows to four, 4 * 512 - 8 refs.
    [Fact]
    public void The_grant_table_grows_to_the_domains_limit_and_defers_ending_a_mapped_grant()
    {
        _run.AssertStepOk("create-grants");
        _run.AssertStepOk("grants-done");
        string console = Console("grants");
        Assert.Contains("grants: 2040 refs in 4 frames (started with 1, limit 4), then -28 (ENOSPC)\n", console);
        Assert.Contains("grants: end of a mapped grant refused=yes deferred=yes held-while-mapped=yes released-after=yes\n", console);
        var checks = Regex.Matches(console, @"(?m)^check (?<name>grants-\S+): (?<result>ok|FAIL)$");
        Assert.Equal(6, checks.Count);
        Assert.All(checks, m => Assert.True(m.Groups["result"].Value == "ok", console));
    }

    [Fact]
    public void A_disk_whose_file_is_missing_fails_xl_create_with_the_reason()
    {
        var step = _run.Step("create-missing");
        Assert.NotEqual(0, step.ExitCode);
        Assert.Contains("/tmp/no-such-file.img", step.Output);
        Assert.DoesNotMatch(@"(?m)^missing\s+\d+", _run.AssertStepOk("list-after-missing"));
    }
}
