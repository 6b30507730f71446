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
        var memory = new Option<int>("--memory") { Description = "QEMU memory in MiB", DefaultValueFactory = _ => 256 };
        var xenOptions = new Option<string>("--xen") { Description = "Extra Xen command-line options", DefaultValueFactory = _ => "" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before giving up", DefaultValueFactory = _ => 120 };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var logFile = new Option<string?>("--log") { Description = "Write the serial log here" };

        var command = new Command("run", "Boot an image as dom0 under Xen in QEMU; exit 0 on a clean poweroff")
        {
            image, cmdline, memory, xenOptions, timeout, cache, logFile,
        };
        command.SetAction(result =>
        {
            var options = new BootOptions
            {
                Image = result.GetValue(image)!.FullName,
                CommandLine = result.GetValue(cmdline)!,
                MemoryMiB = result.GetValue(memory),
                XenOptions = result.GetValue(xenOptions)!,
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                CacheDir = result.GetValue(cache)!,
                SerialLog = result.GetValue(logFile),
            };
            try
            {
                Console.WriteLine($"ukboot: booting {options.Image} under Xen in QEMU (TCG, {options.MemoryMiB} MiB)");
                var boot = XenBoot.Run(options, Console.Out);
                Console.WriteLine($"ukboot: {boot.Outcome} after {boot.Elapsed.TotalSeconds:F1} s");
                return boot.Outcome == BootOutcome.PowerOff ? 0 : 1;
            }
            catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or ArgumentException)
            {
                Console.Error.WriteLine($"ukboot: error: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
