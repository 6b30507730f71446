using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Unikernel.Tests.Boot;

public class ImageBuildTests
{
    // The whole platform (memory setup, events, timers, xenstore, console both ways) and the function-name
    // table are in the default image: 51,401 bytes self-extracting when measured (issue 16; Mini-OS minimal
    // is 75,864). The bound leaves a margin for growth, not a size class. Save/restore (issue 17: suspend,
    // resume, the p2m frame lists) took it from 61,148 to 63,688 bytes, past the old 62 KiB; suspend with
    // devices (grant table unmapped and restored) and dom0 boot without the p2m copy (a two-part p2m, lazy
    // balloon tables, allocator withdrawals) to 66,615, past 64 KiB: still 12% under Mini-OS.
    public const int MaxHelloBytes = 68 * 1024;

    [Fact]
    public void Stripped_hello_image_fits_in_64_KiB()
    {
        long size = new FileInfo(Repo.Image("hello")).Length;
        Assert.True(size <= MaxHelloBytes, $"hello.elf is {size} bytes, over {MaxHelloBytes}");
    }

    // Two clean builds of Hello from two separate copies of the sources give byte-identical images.
    [Fact]
    public void Two_clean_builds_give_identical_images()
    {
        byte[] first = BuildCopy("a"), second = BuildCopy("b");
        Assert.True(first.Length > 0);
        int diff = Enumerable.Range(0, Math.Min(first.Length, second.Length)).FirstOrDefault(i => first[i] != second[i], -1);
        Assert.True(first.Length == second.Length && diff < 0,
            $"images differ: {first.Length} vs {second.Length} bytes, first difference at offset {diff}");
    }

    // Builds Hello in a copy of the repository (tracked and new files) with the given properties.
    internal static byte[] BuildCopy(string name, params string[] properties)
    {
        string root = Path.Combine(Path.GetTempPath(), $"uk-repro-{Environment.ProcessId}-{name}");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        foreach (var file in Tool.Run("git", Repo.Root, "ls-files", "--cached", "--others", "--exclude-standard").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string source = Path.Combine(Repo.Root, file);
            if (!File.Exists(source)) continue; // deleted but not yet committed
            string target = Path.Combine(root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
        try
        {
            Tool.Run("dotnet", root, ["build", "samples/Hello", "-nologo", "-v:q", .. properties]);
            return File.ReadAllBytes(Path.Combine(root, "artifacts", "images", "hello.elf"));
        }
        finally { Directory.Delete(root, true); }
    }
}
