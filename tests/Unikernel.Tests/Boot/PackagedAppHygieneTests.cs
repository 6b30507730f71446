using System;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot;

namespace Unikernel.Tests.Boot;

// How the packages are built, on copies of the sources outside this clone: the app-facing API's docs are
// enforced, Release builds are the same bytes wherever they are built, and the targets' NuGet paths take a
// package root without a trailing slash.
public class PackagedAppHygieneTests
{
    [Fact]
    public void A_public_member_of_namespace_Unikernel_without_docs_fails_the_build_and_one_elsewhere_does_not()
    {
        string copy = CopySources("uk-docs");
        try
        {
            File.WriteAllText(Path.Combine(copy, "Unikernel.Xen", "Api", "Undocumented.cs"),
                "namespace Unikernel\n{\n    /// <summary>Documented.</summary>\n    public static class Undocumented\n    {\n        public static int Missing() => 1;\n    }\n}\n");
            File.WriteAllText(Path.Combine(copy, "Unikernel.Xen", "PlatformOnly.cs"),
                "namespace Unikernel.Xen\n{\n    public static class PlatformOnly { public static int Internal() => 1; }\n}\n");
            var build = HostProcess.Run("dotnet", ["build", "Unikernel.Xen", "-nologo", "-nodeReuse:false", "-v:q"], copy, TimeSpan.FromMinutes(5));
            string output = build.Stdout + build.Stderr;
            Assert.True(build.ExitCode != 0, "the build passed with an undocumented public member in Api/:\n" + output);
            Assert.Contains("Undocumented.cs(6,27): error CS1591: Missing XML comment for publicly visible type or member 'Undocumented.Missing()'", output);
            Assert.DoesNotContain("PlatformOnly", output);
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public void Release_builds_of_the_guest_assemblies_are_the_same_bytes_in_two_places()
    {
        string a = CopySources("uk-det-a"), b = CopySources("uk-det-bb");
        try
        {
            var dlls = new[] { a, b }.Select(root =>
            {
                Tool.Run("dotnet", root, "build", "Unikernel.Core/Guest", "-c", "Release", "-nologo", "-nodeReuse:false", "-v:q");
                return Path.Combine(root, "Unikernel.Core", "Guest", "bin", "Release", "net10.0", "Unikernel.Core.dll");
            }).ToArray();
            byte[] first = File.ReadAllBytes(dlls[0]), second = File.ReadAllBytes(dlls[1]);
            Assert.True(first.AsSpan().SequenceEqual(second), "Unikernel.Core.dll differs between two copies of the sources");
            Assert.DoesNotContain(a, System.Text.Encoding.UTF8.GetString(first)); // source paths are mapped to /_/
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }

    [Theory]
    [InlineData("/some/dir")]
    [InlineData("/some/dir/")]
    public void Ilc_is_found_under_a_package_root_with_or_without_a_trailing_slash(string root)
    {
        var result = HostProcess.Run("dotnet", ["msbuild", "samples/Hello", "-getProperty:UnikernelIlcPath", $"-p:NuGetPackageRoot={root}", "-nologo"], Repo.Root, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.StartsWith("/some/dir/runtime.linux-x64.microsoft.dotnet.ilcompiler/", result.Stdout.Trim());
    }

    // The guest libraries' sources (no bin/, obj/) and the root props, in a temporary folder of the given name.
    private static string CopySources(string name)
    {
        string root = Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        File.Copy(Path.Combine(Repo.Root, "Directory.Build.props"), Path.Combine(Directory.CreateDirectory(root).FullName, "Directory.Build.props"));
        foreach (var dir in new[] { "Unikernel.Boot", "Unikernel.Core", "Unikernel.Xen" })
            CopyTree(Path.Combine(Repo.Root, dir), Path.Combine(root, dir));
        return root;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            if (Path.GetFileName(dir) is not ("bin" or "obj")) CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
