using System;
using System.IO;
using System.Text.RegularExpressions;
using Unikernel.Tests.Xen;
using Unikernel.Tools.Ukboot;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Tools.Ukboot.Run;

// The guest command line on its way from the user to the guest: `dotnet build -t:UnikernelRun
// -p:UnikernelRunCommandLine=...` (Unikernel.Image.targets) hands it to `ukboot run --cmdline-file`, and no
// shell on the build host ever reads it.
public class RunCommandLineTests
{
    [Fact]
    public void A_command_line_file_is_read_as_it_is()
    {
        string path = Path.Combine(Path.GetTempPath(), $"uk-cmdline-{Guid.NewGuid():N}.txt");
        const string Text = "a=\"1 2\" b=back\\slash $(x) `y` it's \u00e9";
        File.WriteAllText(path, Text);
        try
        {
            Assert.Equal(Text, RunCommand.CommandLine("", new FileInfo(path)));
            Assert.Equal("plain", RunCommand.CommandLine("plain", null));
            Assert.Throws<ArgumentException>(() => RunCommand.CommandLine("both", new FileInfo(path)));
        }
        finally { File.Delete(path); }
    }
}

[Collection(XenCollection.Name)]
public class UnikernelRunTests
{
    private static readonly Regex Facts = new(@"^\s*facts: xen=\S+ nr_pages=\d+ dom0=yes cmdline=""(?<cmdline>.*)""$", RegexOptions.Multiline);

    // What users run. $(...) and backticks would run on the build host if a shell saw the text; %22 and %3B
    // are MSBuild's escapes for the " and ; that its -p: switch would otherwise take for its own syntax.
    [Fact]
    public void UnikernelRun_hands_the_command_line_to_the_guest_without_a_shell()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"uk-pwned-{Guid.NewGuid():N}");
        string value = $"$(touch {marker}-a) `touch {marker}-b` it's %22quoted%22 semi%3Bcolon * done";
        string expected = $"$(touch {marker}-a) `touch {marker}-b` it's \"quoted\" semi;colon * done";

        var build = HostProcess.Run("dotnet",
            ["build", "samples/Hello", "-t:UnikernelRun", $"-p:UnikernelRunCommandLine={value}", "-nologo", "-v:m", "-nodeReuse:false"],
            Repo.Root, TimeSpan.FromMinutes(5));

        string output = build.Stdout + build.Stderr;
        Assert.False(File.Exists(marker + "-a") || File.Exists(marker + "-b"), "a shell ran the command line on the build host:\n" + output);
        Assert.True(build.ExitCode == 0, $"dotnet build -t:UnikernelRun exited with {build.ExitCode}:\n{output}");
        var facts = Facts.Match(output);
        Assert.True(facts.Success, "no facts line:\n" + output);
        Assert.Equal(expected, facts.Groups["cmdline"].Value);
    }
}
