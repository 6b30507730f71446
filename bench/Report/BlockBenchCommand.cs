using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

namespace Unikernel.Bench.Report;

// ukbench block: the block benchmark in one boot of the xl environment. Dom0 makes a 16 MiB file and times
// dd on it itself (the ceiling); the probe (mode=block-bench) runs its workloads on it as xvda through our
// blkfront; then a Linux PV domU (dom0's kernel, busybox dd with O_DIRECT, xen-blkfront) runs the same
// sequential ones on the same file through the same blkback. Writes block.csv and block.md (also printed).
public static class BlockBenchCommand
{
    public const int DiskMiB = 16;

    public static Command Create() => XlBenchCommand.Create<Row>("block",
        "Run the block benchmark (our blkfront, a Linux domU, dom0) in the xl environment and report",
        "Folder with probe.elf", "clang that builds blk-randread for the Linux domU (static)", "who,workload,bytes,seconds",
        r => $"{r.Who},{r.Workload},{r.Bytes},{r.Seconds.ToString("R", CultureInfo.InvariantCulture)}",
        f => new Row(f[0], f[1], long.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)),
        s => Run(s.ImageDir, s.CacheDir, s.OutDir, s.Clang), Markdown);

    public sealed record Row(string Who, string Workload, long Bytes, double Seconds);

    public const int SmallMiB = 4; // the 4 KiB workloads move 4 MiB (1024 requests)

    private static string Timed(string workload, int mib, string command) => Dom0Timing.Command("dom0bench", workload, mib << 20, command + " 2>/dev/null");

    public static List<Row> Run(string imageDir, string cacheDir, string outDir, string clang)
    {
        var dom0 = Dom0Environment.Ensure(cacheDir, Console.Out);
        // The domU's random reads (busybox dd has neither random offsets nor queued I/O) come as a second cpio
        // archive after its initramfs: the kernel unpacks them one after the other.
        string domu = Path.Combine(outDir, "domu-block.cpio");
        using (var file = File.Create(domu))
        {
            using (var original = File.OpenRead(dom0.LinuxGuestInitramfs)) original.CopyTo(file);
            using var extra = new CpioArchive(file, inodeBase: 900000);
            extra.AddFile("bin/blk-randread", File.ReadAllBytes(StaticTool.Build("blk-randread", clang, outDir)), 0x1ED);
        }
        string script = $"""
            step make-disk dd if=/dev/zero of=/tmp/bench.img bs=1M count={DiskMiB}
            step dom0-write sh -c '{Timed("seq-write-64k", DiskMiB, "dd if=/dev/zero of=/tmp/dom0.img bs=64k count=256 conv=fsync")}'
            rm -f /tmp/dom0.img
            step dom0-read sh -c '{Timed("seq-read-64k", DiskMiB, "dd if=/tmp/bench.img of=/dev/null bs=64k")}'
            step dom0-read-4k sh -c '{Timed("seq-read-4k-qd1", SmallMiB, "dd if=/tmp/bench.img of=/dev/null bs=4k count=1024")}'
            step ours-create xl create ours.cfg
            step ours-done wait_gone ours 300
            step linux-create xl create linux.cfg && step linux-done wait_gone linux 400
            xl destroy linux 2>/dev/null
            """;
        var scenario = new XlScenario
        {
            Script = script, CacheDir = cacheDir, Timeout = TimeSpan.FromSeconds(900), SerialLog = Path.Combine(outDir, "block.log"),
            Dom0MemoryMiB = 384, QemuMemoryMiB = 768, // xl decompresses the Linux kernel in dom0
        };
        const string Disk = "disk = ['format=raw, vdev=xvda, access=rw, target=/tmp/bench.img']";
        scenario.Guests.Add(new XlGuest("ours", Path.Combine(imageDir, "probe.elf"), $"""
            name = "ours"
            type = "pv"
            kernel = "/scenario/probe.elf"
            extra = "mode=block-bench"
            memory = 32
            on_poweroff = "destroy"
            on_crash = "destroy"
            {Disk}
            """));
        scenario.Guests.Add(new XlGuest("linux", dom0.LinuxGuestKernel, $"""
            name = "linux"
            type = "pv"
            kernel = "/scenario/{Path.GetFileName(dom0.LinuxGuestKernel)}"
            ramdisk = "/scenario/domu.cpio"
            extra = "console=hvc0 quiet"
            memory = 160
            on_poweroff = "destroy"
            on_crash = "destroy"
            {Disk}
            """));
        scenario.Files.Add(new XlFile("domu.cpio", domu));
        Console.WriteLine("ukbench: block benchmark in the xl environment (dom0, our blkfront, a Linux domU on one 16 MiB file)");
        var run = XlSession.Run(scenario);

        var rows = new List<Row>();
        foreach (var step in new[] { "dom0-write", "dom0-read", "dom0-read-4k" })
            foreach (var (workload, bytes, seconds) in Dom0Timing.Parse("dom0bench", run.Step(step).Output))
                rows.Add(new Row("dom0", workload, bytes, seconds));
        string ours = run.GuestConsole("ours");
        if (!ours.Contains("blockbench-end failures=0", StringComparison.Ordinal)) throw new InvalidOperationException("our guest did not finish cleanly:\n" + ours);
        foreach (Match m in Regex.Matches(ours, @"^blockbench,(?<w>[^,]+),(?<b>\d+),(?<ns>\d+)$", RegexOptions.Multiline))
            rows.Add(new Row("ours", m.Groups["w"].Value, long.Parse(m.Groups["b"].Value), long.Parse(m.Groups["ns"].Value) / 1e9));
        string linux = run.GuestConsole("linux");
        if (!linux.Contains("linuxbench-end", StringComparison.Ordinal)) throw new InvalidOperationException("the Linux guest did not finish:\n" + linux[^Math.Min(3000, linux.Length)..]);
        foreach (Match m in Regex.Matches(linux, @"^linuxbench,(?<w>[^,]+),(?<b>\d+),(?<s>[0-9.]+)\r?$", RegexOptions.Multiline))
            rows.Add(new Row("linux", m.Groups["w"].Value, long.Parse(m.Groups["b"].Value), Seconds(m.Groups["s"].Value)));
        Console.WriteLine(ours.Split('\n').FirstOrDefault(l => l.StartsWith("blockbench-end")) ?? "");
        return rows;
    }

    private static double Seconds(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    public static string Markdown(IReadOnlyList<Row> rows)
    {
        var s = new StringBuilder();
        s.AppendLine("Block I/O on one 16 MiB file in dom0 (loop device + blkback), under QEMU/TCG: compare only ratios. MiB/s for the 64 KiB workloads (16 MiB each), IOPS for the 4 KiB ones (1024 requests); ours/Linux > 1 means we are faster.");
        s.AppendLine();
        s.AppendLine("| workload | ours | Linux domU | ours/Linux | dom0 on the file (ceiling) |");
        s.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var workload in rows.Select(r => r.Workload).Distinct())
        {
            bool small = workload.Contains("-4k", StringComparison.Ordinal);
            double? Rate(string who) => rows.FirstOrDefault(r => r.Who == who && r.Workload == workload) is { } r && r.Seconds > 0
                ? small ? r.Bytes / 4096.0 / r.Seconds : r.Bytes / 1048576.0 / r.Seconds : null;
            string unit = small ? " IOPS" : " MiB/s";
            string F(double? v) => v is { } x ? x.ToString(x >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture) + unit : "not measured";
            double? o = Rate("ours"), l = Rate("linux"), d = Rate("dom0");
            s.AppendLine($"| {workload} | {F(o)} | {F(l)} | {(o is { } a && l is { } b ? (a / b).ToString("F2", CultureInfo.InvariantCulture) : "-")} | {F(d)} |");
        }
        return s.ToString();
    }
}
