using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tools.Ukboot.Run;

public enum BootOutcome { PowerOff, Crash, Reboot, XenPanic, Timeout, QemuExited, Interrupted }

public sealed record BootResult(BootOutcome Outcome, string Log, TimeSpan Elapsed)
{
    // The last lines of the serial log, for failure messages.
    public string Tail(int lines = 40)
    {
        var all = Log.Split('\n');
        return string.Join('\n', all[Math.Max(0, all.Length - lines)..]);
    }
}

public sealed record BootOptions
{
    public required string Image { get; init; }
    public string CommandLine { get; init; } = "";
    public int MemoryMiB { get; init; } = 256;
    public string XenOptions { get; init; } = "";
    // Timeout.InfiniteTimeSpan: no limit (an interactive console).
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    // Ends the boot early (Ctrl-C); the outcome is then Interrupted.
    public CancellationToken Cancel { get; init; }
    // Typed into the guest's console once Xen hands serial input to dom0: live bytes or paced lines.
    public ConsoleInput? Input { get; init; }
    // false: echo only dom0's output, not Xen's own lines (those starting with "(XEN)"); the log has both.
    public bool EchoXen { get; init; } = true;
    // Echo a line the guest has not ended yet once the serial line has been quiet a moment (a prompt).
    public bool EchoPartialLines { get; init; }
    // Which lines are echoed, instead of EchoXen's choice (the xl environment shows its guest's console only).
    public EchoFilter? EchoFilter { get; init; }
    // Input is typed once a line containing this has come (by default: once Xen hands serial input to dom0).
    public string InputAfter { get; init; } = XenBoot.InputToDom0;
    public string CacheDir { get; init; } = XenDistribution.DefaultCacheDir;
    public string? SerialLog { get; init; }
    // Typed into the serial line (Xen hands serial input to dom0) once a line containing When appears.
    public IReadOnlyList<SerialReply> Replies { get; init; } = [];
    // Adds names to bare backtrace addresses from name.sym.elf (guests normally name them themselves).
    public bool Symbolize { get; init; } = true;
    // A second multiboot module, which Xen hands dom0 as its initrd (a Linux dom0's initramfs).
    public string? Initrd { get; init; }
    // Deterministic virtual time (-icount) speeds up a tiny dom0; see XlSession for the Linux dom0 case.
    public bool Icount { get; init; } = true;
    // -icount's shift: 2^shift ns of virtual time per instruction (7: 128 ns). A Linux dom0 needs a small one.
    public int IcountShift { get; init; } = 7;
    // QEMU's -cpu; null keeps QEMU's default model.
    public string? CpuModel { get; init; }
    // Where the long steps report (the first download of Xen; while the boot waits for the guest, a
    // WaitReporter line every ProgressInterval), under the tool's name; null: only the download, to the echo.
    public TextWriter? Progress { get; init; }
    public string ProgressTool { get; init; } = "ukboot";
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(15);
}

public sealed record SerialReply(string When, string Send);

// Boots an image as dom0 under the real Xen hypervisor in QEMU (TCG) and watches the serial line until
// Xen reports the domain's end, Xen panics, QEMU exits or the timeout passes.
public static class XenBoot
{
    public const string Qemu = "qemu-system-x86_64";

    // What Xen 4.17 prints when dom0 ends (xen/common/shutdown.c hwdom_shutdown).
    private static readonly (string Marker, BootOutcome Outcome)[] Endings =
    {
        ("Hardware Dom0 halted", BootOutcome.PowerOff),
        // A Linux dom0 powers off through ACPI S5 (XENPF_enter_acpi_sleep), which also stops QEMU.
        ("Entering ACPI S5 state", BootOutcome.PowerOff),
        ("Hardware Dom0 crashed", BootOutcome.Crash),
        ("Hardware Dom0 shutdown", BootOutcome.Reboot),
        ("Panic on CPU", BootOutcome.XenPanic),
    };

    // QEMU's command line for a boot. -nic none: no network device at all, so nothing a test does can reach
    // past the emulated machine (QEMU's default is a NIC on user-mode networking to the host).
    public static List<string> QemuArguments(BootOptions options, string xen)
    {
        var args = new List<string>
        {
            "-accel", "tcg", "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "stdio", "-nic", "none",
            "-m", options.MemoryMiB.ToString(),
            "-kernel", xen,
            // Multiboot modules: "path args". QEMU separates modules with commas, so double any in the args.
            "-initrd", $"{options.Image} {options.CommandLine.Replace(",", ",,")}".TrimEnd() + (options.Initrd is { } initrd ? "," + initrd : ""),
            "-append", $"console=com1 loglvl=all guest_loglvl=all noreboot console_timestamps=boot dom0=verbose smap=0 {options.XenOptions}".TrimEnd(),
        };
        if (options.CpuModel is { } cpu) args.AddRange(new[] { "-cpu", cpu });
        // Deterministic virtual time runs faster than wall-clock time under TCG.
        if (options.Icount) args.AddRange(new[] { "-icount", $"shift={options.IcountShift},sleep=off", "-rtc", "clock=vm" });
        return args;
    }

    public static BootResult Run(BootOptions options, TextWriter? echo = null)
    {
        if (!File.Exists(options.Image)) throw new FileNotFoundException($"guest image not found: {options.Image}");
        foreach (var module in new[] { options.Image, options.Initrd })
            if (module != null && (module.Contains(' ') || module.Contains(',')))
                throw new ArgumentException($"a module path may not contain spaces or commas (QEMU's module syntax): {module}");
        string xen = XenDistribution.EnsureHypervisor(options.CacheDir, options.Progress ?? echo ?? TextWriter.Null);
        var args = QemuArguments(options, xen);
        var start = new ProcessStartInfo(Qemu)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);

        Process qemu;
        try { qemu = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{Qemu} not found: install Debian package qemu-system-x86 ('dotnet pwsh build.ps1 deps')");
        }

        var symbolizer = options.Symbolize ? Symbolizer.ForImage(options.Image) : null;
        var serial = new SerialConsole(qemu.StandardInput.BaseStream, echo, options.EchoXen, options.EchoPartialLines, options.EchoFilter);
        var stopwatch = Stopwatch.StartNew();
        var outcome = BootOutcome.QemuExited;
        var done = new ManualResetEventSlim();
        var stderr = qemu.StandardError.ReadToEndAsync();
        var waiting = options.Progress is { } progress ? new WaitReporter(progress, options.ProgressTool, options.ProgressInterval) : null;
        var reader = Task.Run(() =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = qemu.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
            {
                serial.Received(buffer.AsSpan(0, n), line => symbolizer != null ? symbolizer.Annotate(line) : line, line =>
                {
                    waiting?.Seen(line);
                    if (line.Contains(options.InputAfter, StringComparison.Ordinal)) serial.OpenInput();
                    foreach (var reply in options.Replies)
                        if (line.Contains(reply.When, StringComparison.Ordinal)) serial.Type(reply.Send);
                    foreach (var (marker, result) in Endings)
                    {
                        if (line.Contains(marker, StringComparison.Ordinal))
                        {
                            outcome = result;
                            done.Set();
                        }
                    }
                });
            }
            serial.Flush();
            done.Set();
        });
        if (options.Input is { } input) serial.StartInput(input);
        var partials = options.EchoPartialLines ? Task.Run(() => serial.EchoPartialWhileQuiet(done)) : null;
        var reports = waiting != null ? Task.Run(() => { while (!done.Wait(500)) waiting.Tick(stopwatch.Elapsed, serial.HasEchoed); }) : null;

        bool finished;
        try { finished = done.Wait(options.Timeout, options.Cancel); }
        catch (OperationCanceledException) { finished = true; outcome = BootOutcome.Interrupted; }
        if (!finished) outcome = BootOutcome.Timeout;
        // Ctrl-C reaches QEMU too (same process group), which may end before our handler has run.
        if (outcome == BootOutcome.QemuExited && options.Cancel.CanBeCanceled) options.Cancel.WaitHandle.WaitOne(200);
        if (options.Cancel.IsCancellationRequested) outcome = BootOutcome.Interrupted;
        serial.CloseInput();
        // Xen stays up after dom0 ends (noreboot); give it a moment to print the rest, then stop QEMU.
        if (!qemu.HasExited)
        {
            Thread.Sleep(finished && outcome != BootOutcome.Interrupted ? 200 : 0);
            try { qemu.Kill(true); } catch (InvalidOperationException) { }
        }
        qemu.WaitForExit();
        reader.Wait(TimeSpan.FromSeconds(5));
        done.Set();
        partials?.Wait(TimeSpan.FromSeconds(1));
        waiting?.Stop();
        reports?.Wait(TimeSpan.FromSeconds(1));
        string text = serial.Log;
        if (outcome == BootOutcome.QemuExited && stderr.Result.Length > 0) text += "\n[qemu stderr] " + stderr.Result;
        if (options.SerialLog is { } path) File.WriteAllText(path, text);
        return new BootResult(outcome, text, stopwatch.Elapsed);
    }

    // Xen's last line before it starts dom0; from then on serial input goes to dom0 (before, a key would reach
    // Xen's debug key handler, where 'R' reboots), so typed input waits for it.
    public const string InputToDom0 = "Serial input to DOM0";
}
