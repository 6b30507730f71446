using System;
using System.IO;
using System.IO.Compression;
using System.Threading;

namespace Unikernel.Tools.Ukboot.Run;

// Debian's Xen hypervisor, fetched once with apt-get download into a cache folder and unpacked to the
// multiboot image QEMU's -kernel loads (it refuses the .gz).
public static class XenDistribution
{
    public const string Package = "xen-hypervisor-4.17-amd64";
    public const string GzPath = "boot/xen-4.17-amd64.gz";

    public static string DefaultCacheDir =>
        Environment.GetEnvironmentVariable("UNIKERNEL_CACHE") is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "unikernel.net");

    // Returns the path of the unpacked hypervisor, downloading it first if the cache lacks it.
    public static string EnsureHypervisor(string cacheDir, TextWriter progress)
    {
        string dir = Path.Combine(Path.GetFullPath(cacheDir), "xen"); // apt-get and dpkg-deb run in other folders
        string xen = Path.Combine(dir, "xen-4.17.mb");
        if (File.Exists(xen)) return xen;

        Directory.CreateDirectory(dir);
        using var gate = new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        if (File.Exists(xen)) return xen; // another process finished while we waited for the lock

        progress.WriteLine($"ukboot: downloading {Package} with apt-get (once, into {dir})");
        string work = Path.Combine(dir, "download");
        if (Directory.Exists(work)) Directory.Delete(work, true);
        Directory.CreateDirectory(work);
        string deb = DebianArchive.Download(new[] { Package }, work, progress)[Package];
        string unpacked = Path.Combine(work, "root");
        DebianArchive.Extract(deb, unpacked);

        string gz = Path.Combine(unpacked, GzPath);
        if (!File.Exists(gz)) throw new InvalidOperationException($"{deb} has no {GzPath}");
        string partial = xen + ".partial";
        using (var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
        using (var output = File.Create(partial))
            input.CopyTo(output);
        File.Move(partial, xen, true);
        Directory.Delete(work, true);
        progress.WriteLine($"ukboot: Xen hypervisor ready at {xen} ({Progress.Size(new FileInfo(xen).Length)})");
        return xen;
    }
}
