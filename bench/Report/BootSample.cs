using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Unikernel.Bench.Report;

// The guest's boot timeline (uk.boottime; Unikernel.Xen/Boot/BootTimeline.cs): where each phase ended, in
// microseconds since the platform's entry. Main is entry-to-Main.
public sealed partial record BootPhases(long Console, long Statics, long Events, long XenStore, long Memory, long Main)
{
    // The first well-formed "boottime: ..." line of a console or serial log, or null. A line that starts
    // "boottime:" but does not parse is an error: a changed format must not read as "never reached Main".
    public static BootPhases? Parse(string log)
    {
        foreach (var raw in log.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("boottime:", StringComparison.Ordinal)) continue;
            var m = Line().Match(line);
            if (!m.Success) throw new FormatException($"malformed boot timeline: {line}");
            long P(int i) => long.Parse(m.Groups[i].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            return new BootPhases(P(1), P(2), P(3), P(4), P(5), P(6));
        }
        return null;
    }

    [GeneratedRegex(@"^boottime: console=(\d+) statics=(\d+) events=(\d+) xenstore=(\d+) memory=(\d+) main=(\d+) us$")]
    private static partial Regex Line();
}

// One boot of the boot section: where (xl or dom0), the memory it had, which repeat, how it ended and, when it
// reached Main, its timeline. Outcome: ok, failed (crashed or never printed its timeline), timeout, or skipped
// (not started: an earlier boot of the same size timed out, or the size's time budget was spent).
public sealed record BootSample(string Host, int MemoryMiB, int Repeat, string Outcome, BootPhases? Phases, string Detail)
{
    public const string Ok = "ok", Failed = "failed", Timeout = "timeout", Skipped = "skipped";
    public const string Xl = "xl", Dom0 = "dom0";

    public const string CsvHeader = "host,memory_mib,repeat,outcome,console_us,statics_us,events_us,xenstore_us,memory_us,main_us,detail";

    public string ToCsv()
    {
        string phases = Phases is { } p ? string.Join(',', p.Console, p.Statics, p.Events, p.XenStore, p.Memory, p.Main) : ",,,,,";
        return string.Join(',', Host, MemoryMiB, Repeat, Outcome, phases, Quote(Detail));
    }

    // RFC 4180: a field with a comma, quote or line break goes in quotes, its quotes doubled.
    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
