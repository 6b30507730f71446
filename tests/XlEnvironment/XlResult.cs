using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// One step of a scenario as /init reported it: "@@xl step NAME begin", the output, "@@xl step NAME rc=N".
public sealed record XlStep(string Name, int ExitCode, string Output);

// The outcome of an xl scenario, read from the serial log: the steps, the files of /var/log/xen (the guest
// console logs under console/guest-NAME.log, xl's own logs as xl-NAME.log), each byte for byte.
public sealed partial class XlResult
{
    public BootResult Boot { get; }
    public IReadOnlyDictionary<string, XlStep> Steps { get; }
    public IReadOnlyDictionary<string, byte[]> Files { get; }
    // Set when the environment itself failed to come up (a module, xenstored, ...): names the setup step.
    public string? SetupFailure { get; }
    public int? ScenarioExitCode { get; }
    // /init got to the end: every log was handed over.
    public bool Completed { get; }

    private readonly HashSet<string> _garbled = new();

    public XlResult(BootResult boot)
    {
        Boot = boot;
        var steps = new Dictionary<string, XlStep>();
        var files = new Dictionary<string, byte[]>();
        string? stepName = null, fileName = null;
        var text = new StringBuilder();
        foreach (var raw in boot.Log.Split('\n'))
        {
            var marker = Marker().Match(raw);
            if (!marker.Success)
            {
                if (raw.StartsWith("(XEN)", StringComparison.Ordinal)) continue; // Xen's own lines interleave
                if (fileName != null && Base64Line().IsMatch(raw)) text.Append(raw.Trim());
                else if (stepName != null) text.Append(raw).Append('\n');
                continue;
            }
            string m = marker.Groups[1].Value;
            if (Regex.Match(m, @"^step (\S+) begin$") is { Success: true } begin) { stepName = begin.Groups[1].Value; text.Clear(); }
            else if (Regex.Match(m, @"^step (\S+) rc=(\d+)( uptime=\S+)?$") is { Success: true } end && end.Groups[1].Value == stepName)
            {
                steps[stepName] = new XlStep(stepName, int.Parse(end.Groups[2].Value), text.ToString());
                stepName = null;
            }
            else if (Regex.Match(m, @"^file begin (\S+)$") is { Success: true } fb) { fileName = fb.Groups[1].Value; text.Clear(); }
            else if (m.StartsWith("file end ", StringComparison.Ordinal) && fileName != null)
            {
                // A line of dom0 output split by a message of Xen's would garble the base64: say so on use.
                try { files[fileName] = Convert.FromBase64String(text.ToString()); }
                catch (FormatException) { _garbled.Add(fileName); }
                fileName = null;
            }
            else if (m.StartsWith("setup failed: ", StringComparison.Ordinal)) SetupFailure = m["setup failed: ".Length..];
            else if (Regex.Match(m, @"^scenario rc=(\d+)$") is { Success: true } sc) ScenarioExitCode = int.Parse(sc.Groups[1].Value);
            else if (m == "done") Completed = true;
        }
        Steps = steps;
        Files = files;
    }

    public XlStep Step(string name) => Steps.TryGetValue(name, out var step) ? step
        : throw new InvalidOperationException($"the scenario reported no step '{name}' (steps: {string.Join(", ", Steps.Keys)}); {Describe()}");

    // The console output of a guest as xenconsoled logged it (--log=guest).
    public string GuestConsole(string name) => Encoding.UTF8.GetString(File($"console/guest-{name}.log"));

    public byte[] File(string path) => Files.TryGetValue(path, out var bytes) ? bytes
        : _garbled.Contains(path) ? throw new InvalidOperationException($"/var/log/xen/{path} arrived garbled (its base64 did not decode); {Describe()}")
        : throw new InvalidOperationException($"/var/log/xen/{path} was not handed over (files: {string.Join(", ", Files.Keys)}); {Describe()}");

    // For failure messages: how the run ended and the end of the serial log.
    public string Describe() =>
        $"boot {Boot.Outcome} after {Boot.Elapsed.TotalSeconds:F1} s" + (SetupFailure != null ? $", setup step '{SetupFailure}' failed" : "")
        + (Completed ? "" : ", /init did not finish") + "; serial log tail:\n" + Boot.Tail(60);

    [GeneratedRegex(@"@@xl (.*?)\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^[A-Za-z0-9+/=]+\s*$")]
    private static partial Regex Base64Line();
}
