using System;
using System.Collections.Generic;
using System.Globalization;

namespace Unikernel.Bench.Report;

// One result line of a benchmark guest: bench,<op>,<path>,<batch>,<n>,<min>,<median>,<max>,<entries>
// (cycles per operation, TSC; entries = hypervisor entries one run of n operations made), tagged with the
// guest that printed it.
public sealed record BenchLine(string Guest, string Op, string Path, int Batch, int N, long Min, long Median, long Max, long Entries)
{
    public const string CsvHeader = "guest,op,path,batch,n,min_cycles_per_op,median_cycles_per_op,max_cycles_per_op,hypervisor_entries";

    public string ToCsv() => string.Join(',', Guest, Op, Path, Batch, N, Min, Median, Max, Entries);

    // Every well-formed bench line of a serial log; a line that starts "bench," but does not parse is an error,
    // not something to skip silently.
    public static List<BenchLine> Parse(string guest, string log)
    {
        var lines = new List<BenchLine>();
        foreach (var raw in log.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith("bench,", StringComparison.Ordinal)) continue;
            var f = line.Split(',');
            if (f.Length != 9) throw new FormatException($"malformed bench line from {guest}: {line}");
            try
            {
                lines.Add(new BenchLine(guest, f[1], f[2], Int(f[3]), Int(f[4]), Long(f[5]), Long(f[6]), Long(f[7]), Long(f[8])));
            }
            catch (FormatException)
            {
                throw new FormatException($"malformed bench line from {guest}: {line}");
            }
        }
        return lines;
    }

    private static int Int(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
    private static long Long(string s) => long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}
