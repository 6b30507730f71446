using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Unikernel.Tools.Ukboot;

public sealed record ProcessOutput(int ExitCode, string Stdout, string Stderr);

// Runs a program on the host, for ukboot, ukxl, ukbench and the tests alike. Each argument reaches the program
// as it is (ProcessStartInfo.ArgumentList: no shell, no quoting to get wrong), and stdout and stderr are read
// at the same time, so a program that fills one pipe while we wait on the other cannot stall.
public static class HostProcess
{
    // Throws Win32Exception when the program cannot be started (not installed) and TimeoutException, after
    // killing it, when it runs longer than timeout (default: no limit).
    // environment: variables set for the program on top of ours.
    public static ProcessOutput Run(string program, IEnumerable<string> arguments, string? workDir = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workDir != null) start.WorkingDirectory = workDir;
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            try { process.Kill(true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout!.Value.TotalSeconds:F0} s");
        }
        process.WaitForExit(); // the pipes are at their end too
        return new ProcessOutput(process.ExitCode, stdout.Result, stderr.Result);
    }
}
