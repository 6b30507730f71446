using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace Unikernel.Tests;

// A command run on a pseudo-terminal, as a person at a terminal runs it: `script` (util-linux, Debian package
// bsdutils) gives it a pty whose input is what the test types and whose output the test reads. The pty's line
// discipline echoes what is typed and turns Ctrl-C (0x03) into SIGINT for the command's process group.
public sealed class Terminal : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    // command is run by /bin/sh inside the pty: give it only text the test controls.
    public Terminal(string command, string workDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var a in new[] { "-q", "-e", "-c", command, "/dev/null" }) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        try { _process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("'script' not found: install Debian package bsdutils ('dotnet pwsh build.ps1 deps')");
        }
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.Append(e.Data).Append('\n'); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.Append(e.Data).Append('\n'); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    // Waits until the output holds text after position from; returns the position after it.
    public int WaitFor(string text, TimeSpan timeout, int from = 0)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            int at = Output.IndexOf(text, from, StringComparison.Ordinal);
            if (at >= 0) return at + text.Length;
            if (_process.HasExited)
            {
                // Its last lines may still be on their way to the output handlers: WaitForExit() drains them.
                _process.WaitForExit();
                at = Output.IndexOf(text, from, StringComparison.Ordinal);
                if (at >= 0) return at + text.Length;
                break;
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"no \"{text}\" within {timeout.TotalSeconds:F0} s on the terminal; it shows:\n{Output}");
    }

    // A key-value appliance's dialogue as a person types it (set, get, quit), each reply awaited before the next
    // line, from position from; returns the command's exit code.
    public int SetGetQuit(string key, string value, int from, TimeSpan exitTimeout)
    {
        Type($"set {key} {value}\r");
        int at = WaitFor("\nok", TimeSpan.FromSeconds(30), from);
        Type($"get {key}\r");
        at = WaitFor($"value {value}", TimeSpan.FromSeconds(30), at);
        Type("quit\r");
        WaitFor("ok bye", TimeSpan.FromSeconds(30), at);
        return WaitForExit(exitTimeout);
    }

    public void Type(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"still running after {timeout.TotalSeconds:F0} s; the terminal shows:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) { try { _process.Kill(true); } catch (InvalidOperationException) { } }
        _process.Dispose();
    }
}
