using System;
using System.IO;
using Unikernel.Tools.Ukboot;

namespace Unikernel.Bench.Report;

// The benchmarks' small C helpers for dom0 and the Linux domU (bench/Tools, copied beside ukbench), built static
// with clang so they need none of those systems' libraries.
public static class StaticTool
{
    public const string DefaultClang = "/usr/lib/llvm-14/bin/clang";

    public static string Build(string name, string clang, string outDir)
    {
        string source = Path.Combine(AppContext.BaseDirectory, name + ".c"), binary = Path.Combine(outDir, name);
        if (!File.Exists(clang)) throw new FileNotFoundException($"{clang} not found: install clang-14 ('dotnet pwsh build.ps1 deps') or pass --clang");
        var built = HostProcess.Run(clang, new[] { "-static", "-O2", "-Wall", "-o", binary, source }, timeout: TimeSpan.FromMinutes(2));
        if (built.ExitCode != 0) throw new InvalidOperationException($"building {name} failed:\n{built.Stdout}{built.Stderr}");
        return binary;
    }
}
