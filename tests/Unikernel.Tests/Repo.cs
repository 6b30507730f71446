using System;
using System.IO;

namespace Unikernel.Tests;

// Where the repository, its built images and its download cache are.
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Images => Path.Combine(Root, "artifacts", "images");
    public static string Cache => Path.Combine(Root, ".cache");

    // For a tool run as users run it (dotnet run): the same download cache as the boot tests.
    public static System.Collections.Generic.IReadOnlyDictionary<string, string> CacheEnvironment { get; } =
        new System.Collections.Generic.Dictionary<string, string> { ["UNIKERNEL_CACHE"] = Cache };

    public static string Image(string name)
    {
        string path = Path.Combine(Images, name + ".elf");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: build the guests first ('dotnet pwsh build.ps1 build')");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "unikernel.sln"))) return dir.FullName;
        throw new InvalidOperationException("unikernel.sln not found above " + AppContext.BaseDirectory);
    }
}
