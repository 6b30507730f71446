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
        var extra = new Option<string>("--extra") { Description = "Guest command line (replaces the cfg's extra)", DefaultValueFactory = _ => "" };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var logFile = new Option<string?>("--log") { Description = "Write the serial log here" };
        var guestArgs = new Argument<string[]>("guest-args") { Description = "Appended to the guest command line (after --; replaces the cfg's extra)", Arity = ArgumentArity.ZeroOrMore };
        var extraFile = new Option<FileInfo?>("--extra-file") { Description = "Read the guest command line from this file (all of it, as it is; instead of --extra)" };
        var timeout = new Option<int?>("--timeout") { Description = $"Seconds before giving up; 0: never (default {DefaultTimeoutSeconds}; with --console on a terminal, never)" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the whole serial log (Xen and dom0) as it arrives" };
        var console = new Option<bool>("--console") { Description = "Attach the guest's console here while it runs (xl create -c): typed lines reach it, Ctrl-C ends the run" };
        var input = new Option<FileInfo?>("--input") { Description = "With --console: type this file's lines, each once the guest has answered the one before (default: the terminal, or stdin's lines when redirected)" };

        var command = new Command("run", "Boot an image as a domU with `xl create` (Linux dom0 under Xen in QEMU); show its console; exit 0 when the guest powered off")
        {
            image, guestArgs, cfg, memory, extra, extraFile, timeout, cache, logFile, verbose, console, input,
        };
        command.SetAction(result =>
        {
            try
            {
                var imagePath = result.GetValue(image)!.FullName;
                string name, config;
                string commandLine = RunCommand.GuestCommandLine(RunCommand.CommandLine(result.GetValue(extra)!, result.GetValue(extraFile)), RunCommand.GuestArguments(result, guestArgs));
                if (result.GetValue(cfg) is { } cfgFile)
                {
                    config = File.ReadAllText(cfgFile.FullName);
                    // A command line given here replaces the config's (xl takes the last extra = line).
                    if (commandLine.Length > 0) config = config.TrimEnd('\n') + "\n" + XlConfig.Extra(commandLine);
                    name = XlConfig.ReadDomainName(config, cfgFile.FullName);
                }
                else
                {
                    name = XlConfig.CheckDomainName(Path.GetFileNameWithoutExtension(imagePath));
                    config = DefaultConfig(name, Path.GetFileName(imagePath), result.GetValue(memory), commandLine);
                }
                bool live = result.GetValue(console);
                if (!live && result.GetValue(input) != null) throw new ArgumentException("--input needs --console");
                using var session = live ? RunCommand.ConsoleSession.Start(result.GetValue(input), result.GetValue(timeout), DefaultTimeoutSeconds) : null;
                int seconds = session?.TimeoutSeconds ?? result.GetValue(timeout) ?? DefaultTimeoutSeconds;
                string wait = seconds == 0 ? "" : $" {seconds}";
                var scenario = new XlScenario
                {
                    // xl create -c attaches xenconsole to dom0's console (hvc0, which Xen puts on the serial
                    // line) until the domain is gone; the markers tell the echo where the guest's console is.
                    Script = live
                        ? $"stty -echo < /dev/console\necho '{ConsoleBegin}'\nxl create -c {name}.cfg > /dev/console 2>&1 < /dev/console\necho '{ConsoleEnd}'\nwait_gone {name} 30\n"
                        : $"step create xl create {name}.cfg && wait_gone {name}{wait}\n",
                    Timeout = seconds == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds),
                    CacheDir = result.GetValue(cache)!,
                    SerialLog = result.GetValue(logFile),
                    Input = session?.Input,
                    InputAfter = live ? ConsoleBegin : null,
                    EchoFilter = live && !result.GetValue(verbose) ? new GuestConsoleFilter() : null,
                    Cancel = session?.Interrupt ?? default,
                    Progress = Console.Error,
                };
                scenario.Guests.Add(new XlGuest(name, imagePath, config));
                Console.Error.WriteLine($"ukxl: xl create {(live ? "-c " : "")}{name}.cfg in a Linux dom0 under Xen in QEMU (TCG)"
                    + (session?.Typing == true ? "; typed lines go to the guest once it is up, Ctrl-C ends the run" : ""));
                var run = XlSession.Run(scenario, result.GetValue(verbose) || live ? Console.Out : null);
                if (live)
                {
                    Console.Out.Flush();
                    if (run.Boot.Outcome == BootOutcome.Interrupted)
                    {
                        Console.Error.WriteLine("ukxl: stopped (Ctrl-C)");
                        return RunCommand.ExitInterrupted;
                    }
                }
                else if (run.Files.ContainsKey($"console/guest-{name}.log"))
                {
                    // Backtraces get function names from the unstripped image, as with `ukboot run`.
                    var symbolizer = Symbolizer.ForImage(imagePath);
                    foreach (var line in run.GuestConsole(name).Split('\n'))
                        Console.WriteLine(symbolizer != null ? symbolizer.Annotate(line) : line);
                }
                XlStep? create = null;
                bool created = live || (run.Steps.TryGetValue("create", out create) && create.ExitCode == 0);
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
                (live ? Console.Error : Console.Out).WriteLine($"ukxl: {name} {ending}; whole run {run.Boot.Elapsed.TotalSeconds:F1} s");
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

    public const int DefaultTimeoutSeconds = 240;
    private const string ConsoleBegin = "@@xl console begin", ConsoleEnd = "@@xl console end";

    // With --console: echo the guest's console only, the lines between the markers that are neither Xen's nor xl's.
    private sealed class GuestConsoleFilter() : EchoFilter(echoXen: false)
    {
        private bool _inside;

        public override bool Line(string line)
        {
            if (line == ConsoleBegin) { _inside = true; return false; }
            if (line.EndsWith(ConsoleEnd, StringComparison.Ordinal)) { _inside = false; return false; } // after a last partial line
            return _inside && base.Line(line) && !line.StartsWith("Parsing config from ", StringComparison.Ordinal);
        }

        public override bool Partial(string text) => _inside && base.Partial(text);
    }

    // A minimal PV config; every string in it is quoted in xl's syntax, and the name must be a valid one.
    public static string DefaultConfig(string name, string kernel, int memoryMiB, string extra) =>
        $"name = {XlConfig.Quote(XlConfig.CheckDomainName(name))}\ntype = \"pv\"\nkernel = {XlConfig.Quote(kernel)}\nmemory = {memoryMiB}\n"
        + (extra.Length > 0 ? XlConfig.Extra(extra) : "")
        + "on_poweroff = \"destroy\"\non_crash = \"destroy\"\n";
}
