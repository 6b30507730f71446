using Unikernel.Tools.Ukboot;

namespace Unikernel.Tests;

// Runs a command line tool for a test (through ukboot's HostProcess) and asserts it succeeded, showing its
// output when it did not.
public static class Tool
{
    public static string Run(string tool, string dir, params string[] args)
    {
        var result = HostProcess.Run(tool, args, dir);
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed in {dir}:\n{result.Stdout}\n{result.Stderr}");
        return result.Stdout;
    }
}
