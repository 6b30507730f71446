using System;
using System.IO;
using Unikernel.Tools.Ukboot;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Tools.Ukboot.Run;

public class DebianArchiveTests
{
    // dpkg-deb gets the paths as arguments of their own: quotes, spaces and $() in them are just characters.
    [Fact]
    public void Extracts_a_package_whose_paths_hold_quotes_spaces_and_shell_syntax()
    {
        string root = Path.Combine(Path.GetTempPath(), $"uk-deb-{Guid.NewGuid():N}", "it's a \"deb\" $(touch pwned) `touch pwned`");
        string tree = Path.Combine(root, "tree"), unpacked = Path.Combine(root, "un packed");
        try
        {
            Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
            Directory.CreateDirectory(Path.Combine(tree, "usr", "share"));
            File.WriteAllText(Path.Combine(tree, "DEBIAN", "control"),
                "Package: uk-test\nVersion: 1.0\nArchitecture: all\nMaintainer: Unikernel.NET tests <tests@example.invalid>\nDescription: test package\n");
            File.WriteAllText(Path.Combine(tree, "usr", "share", "payload.txt"), "payload\n");
            string deb = Path.Combine(root, "uk test's \"package\".deb");
            var build = HostProcess.Run("dpkg-deb", ["--root-owner-group", "--build", tree, deb]);
            Assert.True(build.ExitCode == 0, build.Stderr);

            DebianArchive.Extract(deb, unpacked);

            Assert.Equal("payload\n", File.ReadAllText(Path.Combine(unpacked, "usr", "share", "payload.txt")));
            Assert.False(File.Exists(Path.Combine(root, "pwned")));
            Assert.False(File.Exists("pwned"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(root)!, true);
        }
    }
}
