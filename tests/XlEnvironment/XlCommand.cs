using System;
using System.CommandLine;
using System.IO;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// ukxl run: boot an image the way users run it, as a domU with `xl create` from a Linux dom0 under Xen in
// QEMU, and print the guest's console as xenconsoled logged it.
public static class XlCommand
{
    public static Command Create()
    {
        var image = new Argument<FileInfo>("image") { Description = "The guest ELF image" };
        var cfg = new Option<FileInfo?>("--cfg") { Description = "The xl config (default: a minimal PV config for the image)" };
        var memory = new Option<int>("--memory") { Description = "Guest memory in MiB (when no --cfg is given)", DefaultValueFactory = _ => 32 };
        var extra = new Option<string>("--extra") { Description = "Guest command line (when no --cfg is given)", DefaultValueFactory = _ => "" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before giving up", DefaultValueFactory = _ => 240 };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var logFile = new Option<string?>("--log") { Description = "Write the serial log here" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the whole serial log (Xen and dom0) as it arrives" };

        var command = new Command("run", "Boot an image as a domU with `xl create` (Linux dom0 under Xen in QEMU); show its console; exit 0 when the guest powered off")
        {
            image, cfg, memory, extra, timeout, cache, logFile, verbose,
        };
        command.SetAction(result =>
        {
            try
            {
                var imagePath = result.GetValue(image)!.FullName;
                string name, config;
                if (result.GetValue(cfg) is { } cfgFile)
                {
                    config = File.ReadAllText(cfgFile.FullName);
                    name = XlConfig.ReadDomainName(config, cfgFile.FullName);
                }
                else
                {
                    name = XlConfig.CheckDomainName(Path.GetFileNameWithoutExtension(imagePath));
                    config = DefaultConfig(name, Path.GetFileName(imagePath), result.GetValue(memory), result.GetValue(extra)!);
                }
                var scenario = new XlScenario
                {
                    Script = $"step create xl create {name}.cfg && wait_gone {name} {result.GetValue(timeout)}\n",
                    Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                    CacheDir = result.GetValue(cache)!,
                    SerialLog = result.GetValue(logFile),
                };
                scenario.Guests.Add(new XlGuest(name, imagePath, config));
                Console.WriteLine($"ukxl: xl create {name}.cfg in a Linux dom0 under Xen in QEMU (TCG)");
                var run = XlSession.Run(scenario, result.GetValue(verbose) ? Console.Out : null);
                if (run.Files.ContainsKey($"console/guest-{name}.log"))
                {
                    // Backtraces get function names from the unstripped image, as with `ukboot run`.
                    var symbolizer = Symbolizer.ForImage(imagePath);
                    foreach (var line in run.GuestConsole(name).Split('\n'))
                        Console.WriteLine(symbolizer != null ? symbolizer.Annotate(line) : line);
                }
                bool created = run.Steps.TryGetValue("create", out var create) && create.ExitCode == 0;
                if (!created || !run.Completed)
                {
                    Console.Error.WriteLine(create != null ? $"ukxl: xl create exited with {create.ExitCode}:\n{create.Output}" : "");
                    Console.Error.WriteLine($"ukxl: error: {run.Describe()}");
                    return 1;
                }
                // xl create returns 0 even for a guest that crashes later; xl's own log says how it ended.
                string xlLog = run.Files.TryGetValue($"xl-{name}.log", out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : "";
                var reason = Regex.Match(xlLog, @"has shut down, reason code (\d+)");
                string ending = !reason.Success ? "ended (xl logged no shutdown reason)"
                    : reason.Groups[1].Value switch { "0" => "powered off", "1" => "rebooted", "2" => "suspended", "3" => "crashed", var code => $"shut down with reason {code}" };
                Console.WriteLine($"ukxl: {name} {ending}; whole run {run.Boot.Elapsed.TotalSeconds:F1} s");
                return reason.Success && reason.Groups[1].Value == "0" ? 0 : 1;
            }
            catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or ArgumentException or IOException)
            {
                Console.Error.WriteLine($"ukxl: error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    // A minimal PV config; every string in it is quoted in xl's syntax, and the name must be a valid one.
    public static string DefaultConfig(string name, string kernel, int memoryMiB, string extra) =>
        $"name = {XlConfig.Quote(XlConfig.CheckDomainName(name))}\ntype = \"pv\"\nkernel = {XlConfig.Quote(kernel)}\nmemory = {memoryMiB}\n"
        + (extra.Length > 0 ? XlConfig.Extra(extra) : "")
        + "on_poweroff = \"destroy\"\non_crash = \"destroy\"\n";
}
