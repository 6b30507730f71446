using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// libvirt in the test dom0 (issue 17): Debian's libvirtd with its Xen (libxl) driver, virsh, and util-linux's
// script (virsh console wants a terminal). Their libraries (GLib, GnuTLS, libcurl, libxml2 and ICU, whose data
// alone is 30 MiB) come to about 60 MiB, so they are an archive of their own that only scenarios with
// XlScenario.Libvirt append to the base initramfs; the base and the other scenarios' boots stay as they were.
public static class LibvirtLayer
{
    // libvirt-daemon: libvirtd; -driver-xen: the libxl driver it loads; -clients: virsh; libvirt0: libvirt.so;
    // bsdutils: script. Nothing is installed: no maintainer scripts, no systemd, polkit or dbus.
    public static readonly string[] Packages = { "libvirt-daemon", "libvirt-daemon-driver-xen", "libvirt-clients", "libvirt0", "bsdutils" };
    public static readonly string[] Executables = { "usr/sbin/libvirtd", "usr/bin/virsh", "usr/bin/script" };
    // libvirtd dlopens its drivers from here; a driver that is not there (qemu, lxc, network, storage) is skipped.
    public const string DriverDir = "usr/lib/x86_64-linux-gnu/libvirt/connection-driver";
    public const string XenDriver = "libvirt_driver_libxl.so";
    // The libxl driver's capabilities describe the host CPU with the CPU map (about 200 KiB of XML).
    public const string CpuMapDir = "usr/share/libvirt/cpu_map";
    private const int Format = 2; // bump when the layer's layout changes

    // The root socket only, no polkit (virsh runs as root, which libvirtd would let through anyway), and
    // warnings and errors in a log the host collects.
    public const string LibvirtdConf = """
        auth_unix_ro = "none"
        auth_unix_rw = "none"
        log_outputs = "3:file:/var/log/xen/libvirt/libvirtd.log"

        """;

    // Builds <cache>/dom0/libvirt.cpio once (after the base, whose libraries it leaves out) and returns its path.
    public static string Ensure(Dom0Files dom0, TextWriter progress)
    {
        string dir = Path.GetDirectoryName(dom0.BaseInitramfs)!;
        string layer = Path.Combine(dir, "libvirt.cpio"), stamp = Path.Combine(dir, "libvirt-stamp");
        string recipe = $"format={Format} base={Dom0Environment.Hash(File.ReadAllBytes(Path.Combine(dir, "stamp")))} conf={Dom0Environment.Hash(System.Text.Encoding.UTF8.GetBytes(LibvirtdConf))}";
        if (IsCurrent(stamp, recipe, layer)) return layer;
        using var gate = new FileStream(Path.Combine(dir, ".libvirt-lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        if (IsCurrent(stamp, recipe, layer)) return layer;

        var packages = Packages.Concat(Dom0Libraries.LibvirtPackageOf.Values).Distinct().ToArray();
        var debFiles = Dom0Environment.Download(packages, Path.Combine(dir, "debs"), "libvirt", progress);

        var stage = System.Diagnostics.Stopwatch.StartNew();
        string root = Path.Combine(dir, "libvirt-root");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        // The base's library packages too: the closure walks through libraries the base has (and leaves them out).
        foreach (var package in packages.Concat(Dom0Libraries.PackageOf.Values).Distinct()) DebianArchive.Extract(debFiles[package], root);
        var present = CpioArchive.ReadNames(dom0.BaseInitramfs)
            .Where(n => n.StartsWith("lib/x86_64-linux-gnu/", StringComparison.Ordinal)).Select(n => n["lib/x86_64-linux-gnu/".Length..]).ToHashSet();

        var packageOf = Dom0Libraries.PackageOf.Concat(Dom0Libraries.LibvirtPackageOf).ToDictionary(p => p.Key, p => p.Value);
        string partial = layer + ".partial";
        using (var output = File.Create(partial))
        using (var cpio = new CpioArchive(output, inodeBase: 500_000))
        {
            // libvirtd puts its socket in /run/libvirt, where virsh looks through /var/run (a folder of its own
            // here); its logs and the libxl driver's go where /init hands /var/log/xen to the host.
            cpio.AddSymlink("var/run/libvirt", "/run/libvirt");
            cpio.AddDirectory("var/log/xen/libvirt");
            cpio.AddSymlink("var/log/libvirt", "/var/log/xen/libvirt");
            cpio.AddDirectory("var/lib/libvirt/images");
            cpio.AddFile("etc/libvirt/libvirtd.conf", LibvirtdConf);
            // libvirtd looks up root's user and group records at start.
            cpio.AddFile("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
            cpio.AddFile("etc/group", "root:x:0:\n");
            string driver = Dom0Environment.ResolveSymlink(Path.Combine(root, DriverDir, XenDriver), root);
            if (!File.Exists(driver)) throw new InvalidOperationException($"{Packages[1]} has no {DriverDir}/{XenDriver}");
            cpio.AddFile($"{DriverDir}/{XenDriver}", File.ReadAllBytes(driver), 0x1ED);
            foreach (var map in Directory.GetFiles(Path.Combine(root, CpuMapDir), "*.xml").Order(StringComparer.Ordinal))
                cpio.AddFile($"{CpuMapDir}/{Path.GetFileName(map)}", File.ReadAllBytes(map));
            Dom0Environment.AddExecutables(cpio, root, Executables.Select(e => (e, Path.Combine(root, e))), new[] { driver }, packageOf, present);
        }
        File.Move(partial, layer, true);
        Directory.Delete(root, true);
        File.WriteAllText(stamp, recipe + "\n");
        progress.WriteLine($"ukxl: wrote {Path.GetFileName(layer)} ({Progress.Size(new FileInfo(layer).Length)}) in {Progress.Seconds(stage.Elapsed)}");
        return layer;
    }

    private static bool IsCurrent(string stamp, string recipe, string layer) =>
        File.Exists(stamp) && File.Exists(layer) && File.ReadLines(stamp).FirstOrDefault() == recipe;
}
