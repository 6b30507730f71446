using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Unikernel.Bench.Report;

// A dom0 shell command timed with /proc/uptime (10 ms steps; the timed runs take seconds), for the xl-environment
// benchmarks: after the command's own output it prints "<tag>,<workload>,<bytes>,<start>,<end>".
public static partial class Dom0Timing
{
    public static string Command(string tag, string workload, long bytes, string command) =>
        $"read _s _i < /proc/uptime; {command}; read _e _i < /proc/uptime; echo \"{tag},{workload},{bytes},$_s,$_e\"";

    public static IEnumerable<(string Workload, long Bytes, double Seconds)> Parse(string tag, string output)
    {
        foreach (Match m in Line().Matches(output))
            if (m.Groups["t"].Value == tag)
                yield return (m.Groups["w"].Value, long.Parse(m.Groups["b"].Value, CultureInfo.InvariantCulture),
                    double.Parse(m.Groups["e"].Value, CultureInfo.InvariantCulture) - double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(?<t>[^,\n]+),(?<w>[^,\n]+),(?<b>\d+),(?<s>[0-9.]+),(?<e>[0-9.]+)\r?$", RegexOptions.Multiline)]
    private static partial Regex Line();
}
