using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Unikernel.Tools.Ukboot.Run;

// Packages from the Debian archive through the host's own apt: `apt-get download` (no install, no root),
// `dpkg-deb -x` to unpack, `apt-cache depends` to follow a metapackage to the concrete package.
public static class DebianArchive
{
    // Downloads the packages into folder, one apt-get call each so progress can say which of how many is
    // done and how large it was; returns package name -> .deb path.
    public static Dictionary<string, string> Download(IReadOnlyCollection<string> packages, string folder, TextWriter? progress = null, string tool = "ukboot")
    {
        Directory.CreateDirectory(folder);
        int index = 0;
        foreach (var package in packages)
        {
            index++;
            var started = System.Diagnostics.Stopwatch.StartNew();
            Run("apt-get", new[] { "download", package }, folder,
                $"apt-get download {package} failed: run 'apt-get update' (or 'dotnet pwsh build.ps1 deps') and retry");
            var deb = Directory.GetFiles(folder, package + "_*.deb").FirstOrDefault();
            progress?.WriteLine(Progress.Downloaded(tool, index, packages.Count, package, deb != null ? new FileInfo(deb).Length : 0, started.Elapsed));
        }
        var debs = Directory.GetFiles(folder, "*.deb").ToDictionary(f => Path.GetFileName(f).Split('_')[0]);
        var missing = packages.Where(p => !debs.ContainsKey(p)).ToArray();
        if (missing.Length > 0) throw new InvalidOperationException($"apt-get download left no .deb for: {string.Join(", ", missing)}");
        return debs;
    }

    public static void Extract(string deb, string root) =>
        Run("dpkg-deb", new[] { "-x", deb, root }, Path.GetDirectoryName(deb)!, $"dpkg-deb could not unpack {deb}");

    // The concrete package a metapackage depends on, e.g. linux-image-amd64 -> linux-image-6.1.0-56-amd64.
    public static string ResolveMetapackage(string metapackage, string dependencyPrefix)
    {
        string output = Run("apt-cache", new[] { "depends", metapackage }, Directory.GetCurrentDirectory(),
            $"apt-cache depends {metapackage} failed: run 'apt-get update' and retry");
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Trim().Split(' ', 2);
            if (parts is ["Depends:", var name] && name.StartsWith(dependencyPrefix, StringComparison.Ordinal)) return name.Trim();
        }
        throw new InvalidOperationException($"{metapackage} depends on no {dependencyPrefix}* package (apt-cache depends said:\n{output.Trim()})");
    }

    // Runs an archive tool (apt-get, dpkg-deb, apt-cache, xz) and returns its stdout; failure says what to do.
    public static string Run(string tool, IEnumerable<string> arguments, string workDir, string failure)
    {
        ProcessOutput result;
        try { result = HostProcess.Run(tool, arguments, workDir); }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{tool} not found: this needs a Debian system with apt ({failure})");
        }
        if (result.ExitCode != 0) throw new InvalidOperationException($"{failure}\n{result.Stderr.Trim()}");
        return result.Stdout;
    }
}
