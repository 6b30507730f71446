using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// The files of a Linux dom0 that runs Xen's toolstack (xl): Debian's kernel (as its vmlinux ELF) and a base initramfs
// holding busybox, the Xen modules, xl, xenstored, xenconsoled, xen-init-dom0, libxl-save-helper, the network
// tools (iproute2's ip/tc/bridge, redis-cli, redis-benchmark), their libraries and /init.
public sealed record Dom0Files(string Kernel, string BaseInitramfs, string Description)
{
    // A Linux PV domU for comparisons (the block and network benchmarks): dom0's kernel as Debian ships it
    // (bzImage, which xl decompresses) and an initramfs with busybox, xen-blkfront, xen-netfront, redis-server,
    // redis-cli, their libraries and Dom0/linux-guest-init.sh.
    public string LinuxGuestKernel => Path.Combine(Path.GetDirectoryName(Kernel)!, "domu-vmlinuz");
    public string LinuxGuestInitramfs => Path.Combine(Path.GetDirectoryName(Kernel)!, "domu.cpio");
}

// Fetches the dom0 packages with apt-get download into <cache>/dom0 and builds the base initramfs once.
// A stamp records the recipe; reruns with the same recipe return at once, and a changed recipe (say, a new
// /init) rebuilds from the downloaded packages without the network.
public static class Dom0Environment
{
    public const string KernelMetapackage = "linux-image-amd64";
    public const string ToolsPackage = "xen-utils-4.17";
    public const string BusyboxPackage = "busybox-static";
    // xenstore-read/-write/-ls for the block hotplug script and for scenarios.
    public const string XenstorePackage = "xenstore-utils";
    public static readonly string[] XenstoreTools = { "xenstore-read", "xenstore-write", "xenstore-ls", "xenstore-rm", "xenstore-list", "xenstore-exists" };
    public const string ToolsDir = "usr/lib/xen-4.17/bin";
    // The test network (issue 18): iproute2's ip, bridge and tc (busybox's tc has no netem, its brctl no stp or
    // show), and redis-tools' client and benchmark. Debian's busybox-static prefers its applets to PATH (its
    // sh runs its own ip and tc for those names), so iproute2's tools live in /usr/sbin and are called by that
    // path; /init defines ip and tc functions for scenarios.
    // netcat-openbsd: UDP (busybox's nc has none) and half-close on end of input (-N), as /usr/bin/ncat-style
    // tools do; busybox's nc stays the plain nc.
    public const string IproutePackage = "iproute2", RedisPackage = "redis-tools", NetcatPackage = "netcat-openbsd";
    public static readonly (string Target, string Source)[] NetworkTools =
    {
        ("usr/sbin/ip", "bin/ip"), ("usr/sbin/tc", "sbin/tc"), ("usr/sbin/bridge", "sbin/bridge"),
        ("bin/redis-cli", "usr/bin/redis-cli"), ("bin/redis-benchmark", "usr/bin/redis-benchmark"),
        ("bin/nc.openbsd", "bin/nc.openbsd"),
    };
    // Where tc reads netem's delay distributions (iproute2 is built with this LIBDIR).
    public const string TcLibDir = "usr/lib/x86_64-linux-gnu/tc";
    // Debian's redis-server is a symlink to redis-check-rdb: one binary that acts as the checker when its name
    // holds "redis-check-rdb" and as the server otherwise. The domU gets it as /bin/redis-server.
    public static readonly (string Name, string Source)[] LinuxGuestTools =
    {
        ("redis-server", "usr/bin/redis-check-rdb"), ("redis-cli", "usr/bin/redis-cli"),
    };
    // libxl-save-helper: what xl save/migrate/restore run to stream a domain's memory; xenconsole: what
    // `xl create -c` and `xl console` attach a guest's console with.
    public static readonly string[] Tools = { "xl", "xenstored", "xenconsoled", "xen-init-dom0", "libxl-save-helper", "xenconsole" };
    // Loaded by /init in this order (xenfs depends on xen-privcmd); loop and xen-blkback serve guests' disks
    // (the block hotplug script puts a file on a loop device, blkback exports it); xen-netback serves guests'
    // vifs, which the vif-bridge hotplug script puts on the bridge xenbr0 (bridge needs stp, which needs llc:
    // all three are modules in Debian's config); sch_netem is tc's netem qdisc (loss towards a guest), and
    // sch_ingress, cls_matchall and act_gact drop a share of what a guest sends (tc ... action gact ... random).
    public static readonly string[] Modules = { "xen-evtchn", "xen-privcmd", "xen-gntdev", "xen-gntalloc", "xenfs", "loop", "xen-blkback",
        "xen-netback", "llc", "stp", "bridge", "sch_netem", "sch_ingress", "cls_matchall", "act_gact" };
    public static readonly string[] LinuxGuestModules = { "xen-blkfront", "xen-netfront" };
    private const int Format = 9; // bump when the layout of the base initramfs changes

    public static Dom0Files Ensure(string cacheDir, TextWriter progress)
    {
        string dir = Path.Combine(Path.GetFullPath(cacheDir), "dom0");
        var files = new Dom0Files(Path.Combine(dir, "vmlinux"), Path.Combine(dir, "base.cpio"), "");
        string stamp = Path.Combine(dir, "stamp");
        string recipe = Recipe();
        if (IsCurrent(stamp, recipe, files)) return files with { Description = File.ReadAllText(stamp).Trim() };

        Directory.CreateDirectory(dir);
        using var gate = new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        if (IsCurrent(stamp, recipe, files)) return files with { Description = File.ReadAllText(stamp).Trim() };

        string kernelPackage = DebianArchive.ResolveMetapackage(KernelMetapackage, "linux-image-");
        var packages = new[] { kernelPackage, BusyboxPackage, ToolsPackage, XenstorePackage, IproutePackage, RedisPackage, NetcatPackage }.Concat(Dom0Libraries.PackageOf.Values).Distinct().ToArray();
        string debs = Path.Combine(dir, "debs");
        var debFiles = Download(packages, debs, "dom0", progress);

        // The build's stages, each with its size and time: unpack, dom0's initramfs, its kernel, the domU's.
        var stage = System.Diagnostics.Stopwatch.StartNew();
        string root = Path.Combine(dir, "root");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        string description = $"kernel {Path.GetFileName(debFiles[kernelPackage])}, tools {Path.GetFileName(debFiles[ToolsPackage])}";
        progress.WriteLine($"ukxl: building the dom0 initramfs ({description}): 1/4 unpacking {packages.Length} packages");
        foreach (var package in packages) DebianArchive.Extract(debFiles[package], root);
        progress.WriteLine($"ukxl: 1/4 unpacked {Progress.Size(Progress.FolderSize(root))} in {Progress.Seconds(stage.Elapsed)}; 2/4 writing {Path.GetFileName(files.BaseInitramfs)}");
        string kernelVersion = Directory.GetDirectories(Path.Combine(root, "lib/modules")) is [var one] ? Path.GetFileName(one)
            : throw new InvalidOperationException($"{kernelPackage} should hold exactly one lib/modules/<version> folder");
        string vmlinuz = Path.Combine(root, "boot", "vmlinuz-" + kernelVersion);
        if (!File.Exists(vmlinuz)) throw new InvalidOperationException($"{kernelPackage} has no boot/vmlinuz-{kernelVersion}");

        string partial = files.BaseInitramfs + ".partial";
        stage.Restart();
        using (var output = File.Create(partial))
        using (var cpio = new CpioArchive(output))
            WriteBase(cpio, root, kernelVersion);
        progress.WriteLine($"ukxl: 2/4 wrote {Path.GetFileName(files.BaseInitramfs)} ({Progress.Size(new FileInfo(partial).Length)}) in {Progress.Seconds(stage.Elapsed)}; 3/4 extracting the kernel");
        stage.Restart();
        File.WriteAllBytes(files.Kernel, LinuxKernelImage.ExtractElf(vmlinuz, root));
        File.Copy(vmlinuz, files.LinuxGuestKernel, true);
        progress.WriteLine($"ukxl: 3/4 wrote {Path.GetFileName(files.Kernel)} ({Progress.Size(new FileInfo(files.Kernel).Length)}) in {Progress.Seconds(stage.Elapsed)}; 4/4 writing the Linux domU's {Path.GetFileName(files.LinuxGuestInitramfs)}");
        stage.Restart();
        using (var output = File.Create(files.LinuxGuestInitramfs))
        using (var cpio = new CpioArchive(output))
            WriteLinuxGuest(cpio, root, kernelVersion);
        progress.WriteLine($"ukxl: 4/4 wrote {Path.GetFileName(files.LinuxGuestInitramfs)} ({Progress.Size(new FileInfo(files.LinuxGuestInitramfs).Length)}) in {Progress.Seconds(stage.Elapsed)}");
        File.Move(partial, files.BaseInitramfs, true);
        Directory.Delete(root, true);
        File.WriteAllText(stamp, recipe + "\n" + description + "\n");
        progress.WriteLine($"ukxl: dom0 ready: {files.Kernel}, {files.BaseInitramfs}");
        return files with { Description = recipe + "\n" + description };
    }

    // Downloads the packages the cache folder lacks; returns package name -> .deb for all it holds.
    internal static Dictionary<string, string> Download(string[] packages, string debs, string what, TextWriter progress)
    {
        var have = Directory.Exists(debs) ? Directory.GetFiles(debs, "*.deb").Select(f => Path.GetFileName(f).Split('_')[0]).ToHashSet() : new HashSet<string>();
        var missing = packages.Where(p => !have.Contains(p)).ToArray();
        if (missing.Length > 0)
        {
            progress.WriteLine($"ukxl: downloading {missing.Length} of the {packages.Length} {what} packages with apt-get (once, into {debs})");
            DebianArchive.Download(missing, debs, progress, "ukxl");
        }
        return Directory.GetFiles(debs, "*.deb").ToDictionary(f => Path.GetFileName(f).Split('_')[0]);
    }

    private static bool IsCurrent(string stamp, string recipe, Dom0Files files) =>
        File.Exists(stamp) && File.Exists(files.Kernel) && File.Exists(files.BaseInitramfs)
        && File.Exists(files.LinuxGuestKernel) && File.Exists(files.LinuxGuestInitramfs)
        && File.ReadLines(stamp).FirstOrDefault() == recipe;

    private static string Recipe() =>
        $"format={Format} init={Hash(InitScript())} block={Hash(BlockScript())} vif={Hash(VifBridgeScript())} domu={Hash(Resource("linux-guest-init.sh"))}";

    internal static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();

    public static byte[] InitScript() => Resource("dom0-init.sh");

    // /etc/xen/scripts/block: the hotplug script libxl runs for a disk (busybox sh, ours).
    public static byte[] BlockScript() => Resource("dom0-block.sh");

    // /etc/xen/scripts/vif-bridge: the hotplug script libxl runs for a PV vif (busybox sh, ours).
    public static byte[] VifBridgeScript() => Resource("dom0-vif-bridge.sh");

    internal static byte[] Resource(string name)
    {
        using var stream = typeof(Dom0Environment).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"ukxl was built without its {name} resource");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void WriteLinuxGuest(CpioArchive cpio, string root, string kernelVersion)
    {
        foreach (var d in new[] { "proc", "sys", "dev", "tmp", "run", "lib/modules" }) cpio.AddDirectory(d);
        cpio.AddFile("init", Resource("linux-guest-init.sh"), 0x1ED);
        cpio.AddFile("bin/busybox", File.ReadAllBytes(Path.Combine(root, "bin/busybox")), 0x1ED);
        foreach (var module in LinuxGuestModules)
            cpio.AddFile($"lib/modules/{module}.ko", ReadModule(Path.Combine(root, "lib/modules", kernelVersion, "kernel"), module));
        AddExecutables(cpio, root, LinuxGuestTools.Select(t => ($"bin/{t.Name}", Path.Combine(root, t.Source))));
    }

    private static void WriteBase(CpioArchive cpio, string root, string kernelVersion)
    {
        foreach (var d in new[] { "proc", "sys", "dev", "tmp", "run", "root", "etc/xen", "etc/xen/scripts", "var/run", "var/lib", "var/log", "scenario" })
            cpio.AddDirectory(d);
        cpio.AddFile("init", InitScript(), 0x1ED);
        cpio.AddFile("bin/busybox", File.ReadAllBytes(Path.Combine(root, "bin/busybox")), 0x1ED);
        // Dom0 gives guests the memory it never had (dom0_mem), so xl must not try to balloon dom0 down.
        cpio.AddFile("etc/xen/xl.conf", "autoballoon=\"off\"\n");
        cpio.AddFile("etc/xen/scripts/block", BlockScript(), 0x1ED);
        cpio.AddFile("etc/xen/scripts/vif-bridge", VifBridgeScript(), 0x1ED);

        string moduleDir = Path.Combine(root, "lib/modules", kernelVersion, "kernel");
        foreach (var module in Modules)
            cpio.AddFile($"lib/modules/xen/{module}.ko", ReadModule(moduleDir, module));

        var executables = Tools.Select(tool => ($"{ToolsDir}/{tool}", Path.Combine(root, ToolsDir, tool)))
            // One multi-call binary that acts by the name it is called with.
            .Append(($"{ToolsDir}/xenstore", Path.Combine(root, "usr/bin/xenstore")))
            .Concat(NetworkTools.Select(t => (t.Target, Path.Combine(root, t.Source))));
        AddExecutables(cpio, root, executables);
        foreach (var tool in XenstoreTools) cpio.AddSymlink($"{ToolsDir}/{tool}", "xenstore");
        foreach (var dist in Directory.GetFiles(Path.Combine(root, TcLibDir), "*.dist").Order(StringComparer.Ordinal))
            cpio.AddFile($"{TcLibDir}/{Path.GetFileName(dist)}", File.ReadAllBytes(dist));
    }

    // Puts the executables (initramfs path, file in the unpacked packages) into the initramfs with the closure
    // of shared libraries they need and the dynamic loader; both initramfs builders use it.
    // modules: libraries loaded with dlopen, by path. present: libraries an archive this one is appended to already has (their closure too), left out.
    internal static void AddExecutables(CpioArchive cpio, string root, IEnumerable<(string Target, string Source)> executables,
        IEnumerable<string>? modules = null, IReadOnlyDictionary<string, string>? packageOf = null, IReadOnlySet<string>? present = null)
    {
        var sources = new List<string>();
        foreach (var (target, source) in executables)
        {
            string path = ResolveSymlink(source, root);
            if (!File.Exists(path)) throw new InvalidOperationException($"the dom0 packages have no {Path.GetRelativePath(root, source)} (for /{target})");
            cpio.AddFile(target, File.ReadAllBytes(path), 0x1ED);
            sources.Add(path);
        }
        foreach (var (soname, path) in ResolveLibraries(root, sources.Concat(modules ?? Array.Empty<string>()), packageOf ?? Dom0Libraries.PackageOf, present))
            cpio.AddFile($"lib/x86_64-linux-gnu/{soname}", File.ReadAllBytes(path), 0x1ED);
        // The interpreter path every executable names.
        if (present == null) cpio.AddSymlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    }

    // Modules may be found in a subfolder (xenfs/xenfs.ko) and may be xz-compressed (newer Debian kernels).
    private static byte[] ReadModule(string moduleDir, string module)
    {
        var found = Directory.GetFiles(moduleDir, module + ".ko*", SearchOption.AllDirectories);
        if (found.Length == 0) throw new InvalidOperationException($"the kernel package has no module {module}.ko under {moduleDir}");
        string path = found[0];
        if (path.EndsWith(".ko", StringComparison.Ordinal)) return File.ReadAllBytes(path);
        if (path.EndsWith(".ko.xz", StringComparison.Ordinal))
        {
            string plain = path[..^3];
            DebianArchive.Run("xz", new[] { "-d", "-k", "-f", path }, moduleDir, $"xz could not decompress {path} (install xz-utils)");
            return File.ReadAllBytes(plain);
        }
        throw new InvalidOperationException($"module {path} is compressed in a way this does not handle");
    }

    // Follows DT_NEEDED from the executables to the closure of shared libraries, each found in the unpacked
    // packages; fails naming the library and who needs it when the fixed package list lacks it.
    private static SortedDictionary<string, string> ResolveLibraries(string root, IEnumerable<string> executables,
        IReadOnlyDictionary<string, string> packageOf, IReadOnlySet<string>? present)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<(string Soname, string NeededBy)>();
        foreach (var exe in executables)
            foreach (var soname in ElfImage.ReadNeeded(File.ReadAllBytes(exe))) queue.Enqueue((soname, Path.GetFileName(exe)));
        foreach (var soname in Dom0Libraries.Dlopened) queue.Enqueue((soname, "glibc (dlopen)"));
        queue.Enqueue(("ld-linux-x86-64.so.2", "every executable (PT_INTERP)"));

        while (queue.Count > 0)
        {
            var (soname, neededBy) = queue.Dequeue();
            if (found.ContainsKey(soname) || present?.Contains(soname) == true) continue;
            if (!packageOf.TryGetValue(soname, out var package))
                throw new InvalidOperationException($"library {soname} (needed by {neededBy}) is in no known package: add it to Dom0Libraries.PackageOf");
            string? path = Dom0Libraries.SearchPaths.Select(p => Path.Combine(root, p, soname)).FirstOrDefault(File.Exists);
            if (path == null) throw new InvalidOperationException($"library {soname} (needed by {neededBy}) is not in package {package}, which Dom0Libraries.PackageOf names");
            path = ResolveSymlink(path, root);
            found[soname] = path;
            foreach (var next in ElfImage.ReadNeeded(File.ReadAllBytes(path))) queue.Enqueue((next, soname));
        }
        return found;
    }

    // Library symlinks in a package point at a versioned file (libxenctrl.so.4.17 -> libxenctrl.so.4.17.0);
    // absolute targets are taken inside the unpacked root.
    internal static string ResolveSymlink(string path, string root)
    {
        for (int i = 0; i < 10; i++)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not { } target) return path;
            path = target.StartsWith('/') ? Path.Combine(root, target.TrimStart('/')) : Path.Combine(Path.GetDirectoryName(path)!, target);
        }
        throw new InvalidOperationException($"symlink loop at {path}");
    }
}
