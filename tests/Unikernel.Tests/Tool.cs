using System.Diagnostics;

namespace Unikernel.Tests;

// Runs a command line tool for a test and asserts it succeeded, showing its output when it did not.
public static class Tool
{
    public static string Run(string tool, string dir, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed in {dir}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
