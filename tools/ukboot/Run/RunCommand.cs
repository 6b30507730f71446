using System;
using System.CommandLine;
using System.IO;

namespace Unikernel.Tools.Ukboot.Run;

// ukboot run: boot an image as dom0 under Xen in QEMU and show the serial console.
public static class RunCommand
{
    public static Command Create()
    {
        var image = new Argument<FileInfo>("image") { Description = "The guest ELF image" };
        var cmdline = new Option<string>("--cmdline") { Description = "Guest command line", DefaultValueFactory = _ => "" };
        var cmdlineFile = new Option<FileInfo?>("--cmdline-file") { Description = "Read the guest command line from this file (all of it, as it is; instead of --cmdline)" };
        var memory = new Option<int>("--memory") { Description = "QEMU memory in MiB", DefaultValueFactory = _ => 256 };
        var xenOptions = new Option<string>("--xen") { Description = "Extra Xen command-line options", DefaultValueFactory = _ => "" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before giving up", DefaultValueFactory = _ => 120 };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var logFile = new Option<string?>("--log") { Description = "Write the serial log here" };

        var command = new Command("run", "Boot an image as dom0 under Xen in QEMU; exit 0 on a clean poweroff")
        {
            image, cmdline, cmdlineFile, memory, xenOptions, timeout, cache, logFile,
        };
        command.SetAction(result =>
        {
            try
            {
                var options = new BootOptions
                {
                    Image = result.GetValue(image)!.FullName,
                    CommandLine = CommandLine(result.GetValue(cmdline)!, result.GetValue(cmdlineFile)),
                    MemoryMiB = result.GetValue(memory),
                    XenOptions = result.GetValue(xenOptions)!,
                    Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                    CacheDir = result.GetValue(cache)!,
                    SerialLog = result.GetValue(logFile),
                };
                Console.WriteLine($"ukboot: booting {options.Image} under Xen in QEMU (TCG, {options.MemoryMiB} MiB)");
                var boot = XenBoot.Run(options, Console.Out);
                Console.WriteLine($"ukboot: {boot.Outcome} after {boot.Elapsed.TotalSeconds:F1} s");
                return boot.Outcome == BootOutcome.PowerOff ? 0 : 1;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
            {
                Console.Error.WriteLine($"ukboot: error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    // The guest command line from --cmdline or, byte for byte, from --cmdline-file: the way for a caller that
    // must not put the text on a command line a shell reads (MSBuild's Exec, in the UnikernelRun target).
    public static string CommandLine(string cmdline, FileInfo? file)
    {
        if (file == null) return cmdline;
        if (cmdline.Length > 0) throw new ArgumentException("give the guest command line with --cmdline or --cmdline-file, not both");
        return File.ReadAllText(file.FullName, new System.Text.UTF8Encoding(false));
    }
}
