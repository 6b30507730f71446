using System;
using System.IO;
using System.Text.RegularExpressions;
using Unikernel.Tests.Xen;
using Unikernel.Tools.Ukboot;

namespace Unikernel.Tests.Tools.Ukboot.Run;

// `dotnet run` boots an application's image (RunCommand/RunArguments from Unikernel.Image.targets) with its
// console here: scripted lines from stdin or typed on a terminal reach the guest, Xen's boot lines stay
// hidden, the exit code is the guest's outcome.
[Collection(XenCollection.Name)]
public class DotnetRunTests
{
    private static string Appliance => Path.Combine(Repo.Root, "samples", "Appliance");
    private static readonly TimeSpan Minutes3 = TimeSpan.FromMinutes(3);

    [Fact]
    public void Scripted_lines_from_stdin_are_answered_and_quit_exits_0()
    {
        string input = Path.Combine(Path.GetTempPath(), $"uk-run-{Guid.NewGuid():N}.txt");
        File.WriteAllText(input, "set colour blue\nget colour\nkeys\nquit\n");
        try
        {
            // stdin redirected from the file, as `dotnet run < requests.txt` does.
            var run = HostProcess.Run("/bin/sh", ["-c", "dotnet run --no-build < \"$0\"", input], Appliance, Minutes3, Repo.CacheEnvironment);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
            Assert.Matches(@"(?m)^ok\nvalue blue\nkeys 1: colour\nok bye$", run.Stdout.Replace("\r", ""));
            Assert.DoesNotContain("(XEN)", run.Stdout);
            Assert.Contains("ukboot: the guest powered off", run.Stderr);
        }
        finally { File.Delete(input); }
    }

    [Fact]
    public void Arguments_after_the_double_dash_join_the_guest_command_line_and_Xen_lines_show_when_asked()
    {
        var run = HostProcess.Run("dotnet", ["run", "--no-build", "--project", "samples/Hello", "-p:UnikernelRunCommandLine=a=1", "-p:UnikernelRunXenLog=true", "--", "b=2", "c d"],
            Repo.Root, Minutes3, Repo.CacheEnvironment);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        Assert.Matches(new Regex(@"^\s*facts: .* cmdline=""a=1 b=2 c d""$", RegexOptions.Multiline), run.Stdout);
        Assert.Contains("(XEN) ", run.Stdout);
    }

    [Fact]
    public void A_crash_exits_1_and_shows_what_Xen_said()
    {
        var run = HostProcess.Run("dotnet", [Path.Combine(Repo.Root, "tools/ukboot/bin", Config, "net10.0/ukboot.dll"), "run", Repo.Image("probe"), "--cache", Repo.Cache, "--", "mode=throw"],
            Repo.Root, Minutes3);
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("panic: unhandled exception: probe threw on purpose", run.Stdout);
        Assert.Matches(@"(?m)^\(XEN\) .*Hardware Dom0 crashed", run.Stderr);
        Assert.DoesNotContain("Building a PV Dom0", run.Stderr + run.Stdout); // Xen's boot stays hidden
        Assert.Contains("ukboot: the guest crashed", run.Stderr);
    }

    [Fact]
    public void On_a_terminal_typed_lines_are_answered_and_quit_exits_0()
    {
        using var terminal = new Terminal("dotnet run --no-build", Appliance, Repo.CacheEnvironment);
        int at = terminal.WaitFor("# appliance ready", Minutes3);
        Assert.Equal(0, terminal.SetGetQuit("k", "typed", at, TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain("(XEN)", terminal.Output);
    }

    [Fact]
    public void On_a_terminal_ctrl_c_stops_the_guest_and_exits_130()
    {
        using var terminal = new Terminal("dotnet run --no-build", Appliance, Repo.CacheEnvironment);
        terminal.WaitFor("# appliance ready", Minutes3);
        terminal.Type("\u0003");
        int exit = terminal.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 130, $"exit {exit}:\n{terminal.Output}");
        Assert.Contains("ukboot: stopped (Ctrl-C)", terminal.Output);
    }

    // UnikernelRunEnvironment=xl: the image as a domU made by xl create -c in a Linux dom0, its console here.
    [Fact]
    public void Under_xl_scripted_lines_are_answered_and_only_the_guest_console_shows()
    {
        var run = HostProcess.Run("/bin/sh", ["-c", "printf 'set colour red\\nget colour\\nquit\\n' | dotnet run --no-build -p:UnikernelRunEnvironment=xl"],
            Appliance, TimeSpan.FromMinutes(5), Repo.CacheEnvironment);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        Assert.Matches(@"(?m)^# appliance: domain \d+ 'appliance'", run.Stdout);   // a domU, from appliance.cfg
        Assert.Matches(@"(?m)^ok\nvalue red\nok bye$", run.Stdout.Replace("\r", ""));
        Assert.DoesNotContain("(XEN)", run.Stdout);
        Assert.DoesNotContain("@@xl", run.Stdout);
        Assert.Contains("ukxl: appliance powered off", run.Stderr);
    }

    [Fact]
    public void Under_xl_arguments_after_the_double_dash_replace_the_cfg_command_line()
    {
        var run = HostProcess.Run("dotnet", ["run", "--no-build", "--project", "samples/Hello", "-p:UnikernelRunEnvironment=xl", "--", "b=2", "c d"],
            Repo.Root, TimeSpan.FromMinutes(5), Repo.CacheEnvironment);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        Assert.Matches(new Regex(@"^\s*facts: .* dom0=no cmdline=""b=2 c d""$", RegexOptions.Multiline), run.Stdout);
    }

    [Fact]
    public void Under_xl_on_a_terminal_typed_lines_are_answered()
    {
        using var terminal = new Terminal("dotnet run --no-build -p:UnikernelRunEnvironment=xl", Appliance, Repo.CacheEnvironment);
        int at = terminal.WaitFor("# appliance ready", TimeSpan.FromMinutes(4));
        Assert.Equal(0, terminal.SetGetQuit("k", "xl", at, TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [InlineData("UnikernelRunEnvironment=kvm", "UnikernelRunEnvironment must be dom0")]
    [InlineData("UnikernelRunMemory=lots", "UnikernelRunMemory must be a number of MiB")]
    [InlineData("UnikernelRunInput=no-such-file.txt", "UnikernelRunInput: no file")]
    public void Bad_run_properties_are_refused_before_booting(string property, string message)
    {
        var run = HostProcess.Run("dotnet", ["run", "--no-build", $"-p:{property}"], Appliance, Minutes3, Repo.CacheEnvironment);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
        Assert.DoesNotContain("ukboot: booting", run.Stdout + run.Stderr);
    }

#if DEBUG
    private const string Config = "Debug";
#else
    private const string Config = "Release";
#endif
}
