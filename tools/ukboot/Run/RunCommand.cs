using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Threading;

namespace Unikernel.Tools.Ukboot.Run;

// ukboot run: boot an image as dom0 under Xen in QEMU with the guest's console on this terminal. `dotnet run`
// (RunCommand/RunArguments from Unikernel.Image.targets) and `dotnet build -t:UnikernelRun` come here.
public static class RunCommand
{
    // Exit codes besides the guest's 0 (powered off) and 1 (crashed, rebooted, Xen panicked, QEMU died).
    public const int ExitError = 2, ExitTimeout = 124, ExitInterrupted = 130;
    public const int ScriptedTimeoutSeconds = 120;

    public static Command Create()
    {
        var image = new Argument<FileInfo>("image") { Description = "The guest ELF image" };
        var guestArgs = new Argument<string[]>("guest-args") { Description = "Appended to the guest command line (after --)", Arity = ArgumentArity.ZeroOrMore };
        var cmdline = new Option<string>("--cmdline") { Description = "Guest command line", DefaultValueFactory = _ => "" };
        var cmdlineFile = new Option<FileInfo?>("--cmdline-file") { Description = "Read the guest command line from this file (all of it, as it is; instead of --cmdline)" };
        var memory = new Option<int>("--memory") { Description = "QEMU memory in MiB", DefaultValueFactory = _ => 256 };
        var xenOptions = new Option<string>("--xen") { Description = "Extra Xen command-line options", DefaultValueFactory = _ => "" };
        var timeout = new Option<int?>("--timeout") { Description = $"Seconds before giving up; 0: never (default: never when typing on a terminal, else {ScriptedTimeoutSeconds})" };
        var input = new Option<FileInfo?>("--input") { Description = "Type this file's lines into the guest's console, each once the guest has answered the one before (default: what is typed on the terminal, or stdin's lines when redirected)" };
        var xenLog = new Option<bool>("--xen-log") { Description = "Show Xen's own boot lines too, not only the guest's console" };
        var cache = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
        var logFile = new Option<string?>("--log") { Description = "Write the serial log here" };

        var command = new Command("run", "Boot an image as dom0 under Xen in QEMU with its console here (typed lines reach the guest, Ctrl-C ends it); exit 0 when the guest powers off, 1 when it crashes, 124 on timeout, 130 on Ctrl-C")
        {
            image, guestArgs, cmdline, cmdlineFile, memory, xenOptions, timeout, input, xenLog, cache, logFile,
        };
        command.SetAction(result =>
        {
            try
            {
                using var session = ConsoleSession.Start(result.GetValue(input), result.GetValue(timeout), ScriptedTimeoutSeconds);
                int seconds = session.TimeoutSeconds;
                var options = new BootOptions
                {
                    Image = result.GetValue(image)!.FullName,
                    CommandLine = GuestCommandLine(CommandLine(result.GetValue(cmdline)!, result.GetValue(cmdlineFile)), GuestArguments(result, guestArgs)),
                    MemoryMiB = result.GetValue(memory),
                    XenOptions = result.GetValue(xenOptions)!,
                    Timeout = session.Timeout,
                    CacheDir = result.GetValue(cache)!,
                    SerialLog = result.GetValue(logFile),
                    Cancel = session.Interrupt,
                    Input = session.Input,
                    EchoXen = result.GetValue(xenLog),
                    EchoPartialLines = true,
                    Progress = Console.Error,
                };
                Console.Error.WriteLine($"ukboot: booting {Path.GetFileName(options.Image)} as dom0 under Xen in QEMU (TCG, {options.MemoryMiB} MiB)"
                    + (session.Typing ? "; typed lines go to the guest, Ctrl-C ends it" : ""));
                var boot = XenBoot.Run(options, Console.Out);
                Console.Out.Flush();
                if (!options.EchoXen && boot.Outcome is not (BootOutcome.PowerOff or BootOutcome.Interrupted))
                {
                    // Xen's view of what went wrong (its lines were hidden): what it said once dom0 ran, or
                    // the last of its boot when dom0 never did.
                    var lines = boot.Log.Split('\n');
                    int dom0 = Array.FindLastIndex(lines, l => l.Contains(XenBoot.InputToDom0, StringComparison.Ordinal));
                    var xen = lines.Skip(dom0 + 1).Where(l => l.StartsWith("(XEN)", StringComparison.Ordinal)).TakeLast(25).ToArray();
                    if (xen.Length > 0) Console.Error.WriteLine(string.Join('\n', xen));
                }
                Console.Error.WriteLine($"ukboot: {Describe(boot.Outcome, seconds)} after {boot.Elapsed.TotalSeconds:F1} s");
                return ExitCode(boot.Outcome);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
            {
                Console.Error.WriteLine($"ukboot: error: {e.Message}");
                return ExitError;
            }
        });
        return command;
    }

    public static int ExitCode(BootOutcome outcome) => outcome switch
    {
        BootOutcome.PowerOff => 0,
        BootOutcome.Timeout => ExitTimeout,
        BootOutcome.Interrupted => ExitInterrupted,
        _ => 1,
    };

    private static string Describe(BootOutcome outcome, int seconds) => outcome switch
    {
        BootOutcome.PowerOff => "the guest powered off",
        BootOutcome.Crash => "the guest crashed",
        BootOutcome.Reboot => "the guest asked for a reboot (not done)",
        BootOutcome.XenPanic => "Xen panicked",
        BootOutcome.Timeout => $"no power-off within {seconds} s (--timeout, UnikernelRunTimeout); stopped",
        BootOutcome.Interrupted => "stopped (Ctrl-C)",
        _ => "QEMU exited before the guest ended",
    };

    // What `ukboot run` and `ukxl run --console` type into the guest and how long they wait: the lines of
    // inputFile, else what is typed on this terminal (no timeout unless given), else stdin's lines; Ctrl-C
    // cancels Interrupt instead of killing the tool, so the boot ends cleanly.
    public sealed class ConsoleSession : IDisposable
    {
        private readonly CancellationTokenSource _interrupt = new();
        private readonly StreamReader? _file;

        private ConsoleSession(FileInfo? inputFile, int? timeoutSeconds, int scriptedSeconds)
        {
            if (inputFile != null && !inputFile.Exists) throw new FileNotFoundException($"input file not found: {inputFile.FullName}");
            Typing = inputFile == null && !Console.IsInputRedirected;
            TimeoutSeconds = timeoutSeconds ?? (Typing ? 0 : scriptedSeconds);
            if (TimeoutSeconds < 0) throw new ArgumentException($"--timeout must be 0 (never) or more seconds, not {TimeoutSeconds}");
            _file = inputFile != null ? new StreamReader(inputFile.FullName) : null;
            Input = _file != null ? ConsoleInput.Lines(_file) : Typing ? ConsoleInput.Live(Console.OpenStandardInput()) : ConsoleInput.Lines(Console.In);
            Console.CancelKeyPress += OnCancel;
        }

        public static ConsoleSession Start(FileInfo? inputFile, int? timeoutSeconds, int scriptedSeconds) => new(inputFile, timeoutSeconds, scriptedSeconds);

        public bool Typing { get; }
        public int TimeoutSeconds { get; }
        public TimeSpan Timeout => TimeoutSeconds == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(TimeoutSeconds);
        public ConsoleInput Input { get; }
        public CancellationToken Interrupt => _interrupt.Token;

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            _interrupt.Cancel();
        }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancel;
            _file?.Dispose();
            _interrupt.Dispose();
        }
    }

    // The guest's arguments, refusing a word that looks like an option before `--` (a mistyped option of
    // ours would otherwise reach the guest as its command line).
    public static string[] GuestArguments(ParseResult result, Argument<string[]> guestArgs)
    {
        foreach (var token in result.Tokens)
        {
            if (token.Type == System.CommandLine.Parsing.TokenType.DoubleDash) break;
            if (token.Type == System.CommandLine.Parsing.TokenType.Argument && token.Value.StartsWith('-') && (result.GetValue(guestArgs) ?? []).Contains(token.Value))
                throw new ArgumentException($"unknown option {token.Value} (the guest's arguments go after --)");
        }
        return result.GetValue(guestArgs) ?? [];
    }

    // The command line from the options, then the arguments after `--` (`dotnet run -- a=1 b=2`), one space apart.
    public static string GuestCommandLine(string commandLine, string[] guestArgs) =>
        string.Join(' ', new[] { commandLine }.Concat(guestArgs).Where(a => a.Length > 0));

    // The guest command line from --cmdline or, byte for byte, from --cmdline-file: the way for a caller that
    // must not put the text on a command line a shell reads (MSBuild's Exec, in the UnikernelRun target).
    public static string CommandLine(string cmdline, FileInfo? file)
    {
        if (file == null) return cmdline;
        if (cmdline.Length > 0) throw new ArgumentException("give the guest command line with --cmdline or --cmdline-file, not both");
        return File.ReadAllText(file.FullName, new System.Text.UTF8Encoding(false));
    }
}
