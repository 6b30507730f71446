using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tools.Ukboot.Run;

public enum BootOutcome { PowerOff, Crash, Reboot, XenPanic, Timeout, QemuExited }

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
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
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
    // QEMU's -cpu; null keeps QEMU's default model.
    public string? CpuModel { get; init; }
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
        if (options.Icount) args.AddRange(new[] { "-icount", "shift=7,sleep=off", "-rtc", "clock=vm" });
        return args;
    }

    public static BootResult Run(BootOptions options, TextWriter? echo = null)
    {
        if (!File.Exists(options.Image)) throw new FileNotFoundException($"guest image not found: {options.Image}");
        foreach (var module in new[] { options.Image, options.Initrd })
            if (module != null && (module.Contains(' ') || module.Contains(',')))
                throw new ArgumentException($"a module path may not contain spaces or commas (QEMU's module syntax): {module}");
        string xen = XenDistribution.EnsureHypervisor(options.CacheDir, echo ?? TextWriter.Null);
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
        var log = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        var outcome = BootOutcome.QemuExited;
        var done = new ManualResetEventSlim();
        var stderr = qemu.StandardError.ReadToEndAsync();
        var reader = Task.Run(() =>
        {
            string? line;
            while ((line = qemu.StandardOutput.ReadLine()) != null)
            {
                line = line.TrimEnd('\r');
                if (symbolizer != null) line = symbolizer.Annotate(line);
                lock (log) log.Append(line).Append('\n');
                echo?.WriteLine(line);
                foreach (var reply in options.Replies)
                {
                    if (!line.Contains(reply.When, StringComparison.Ordinal)) continue;
                    Type(qemu.StandardInput, reply.Send);
                }
                foreach (var (marker, result) in Endings)
                {
                    if (line.Contains(marker, StringComparison.Ordinal))
                    {
                        outcome = result;
                        done.Set();
                    }
                }
            }
            done.Set();
        });

        bool finished = done.Wait(options.Timeout);
        if (!finished) outcome = BootOutcome.Timeout;
        // Xen stays up after dom0 ends (noreboot); give it a moment to print the rest, then stop QEMU.
        if (!qemu.HasExited)
        {
            Thread.Sleep(finished ? 200 : 0);
            try { qemu.Kill(true); } catch (InvalidOperationException) { }
        }
        qemu.WaitForExit();
        reader.Wait(TimeSpan.FromSeconds(5));
        string text;
        lock (log) text = log.ToString();
        if (outcome == BootOutcome.QemuExited && stderr.Result.Length > 0) text += "\n[qemu stderr] " + stderr.Result;
        if (options.SerialLog is { } path) File.WriteAllText(path, text);
        return new BootResult(outcome, text, stopwatch.Elapsed);
    }

    // Xen keeps only a small buffer of serial input for dom0 (128 bytes, drivers/char/console.c) and drops
    // what overflows it, so type in short bursts, as a person would, rather than all at once.
    private static void Type(StreamWriter input, string text)
    {
        const int Burst = 32;
        for (int i = 0; i < text.Length; i += Burst)
        {
            input.Write(text.AsSpan(i, Math.Min(Burst, text.Length - i)));
            input.Flush();
            if (i + Burst < text.Length) Thread.Sleep(50);
        }
    }
}
