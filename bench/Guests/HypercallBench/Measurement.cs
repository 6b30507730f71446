using System;
using Unikernel.Core.Text;
using Unikernel.Xen;

// Times one workload: Repeats runs after one warm-up run, each timed with the TSC; prints cycles per operation
// (min/median/max over the runs) and the hypervisor entries one run made, as one machine-readable line:
//   bench,<op>,<path>,<batch>,<n>,<min>,<median>,<max>,<entries>
internal static unsafe class Measurement
{
    public const int Repeats = 7;

    public static void Run(string op, string path, int batch, int n, delegate*<int, int, void> work)
    {
        ulong* perOp = stackalloc ulong[Repeats];
        ulong entries = 0;
        work(n, batch); // warm-up: caches, TLB, branch predictors
        for (int r = 0; r < Repeats; r++)
        {
            ulong before = Workloads.DirectEntries + Multicalls.HypervisorEntries;
            ulong start = PvClock.ReadTsc();
            work(n, batch);
            ulong cycles = PvClock.ReadTsc() - start;
            entries = Workloads.DirectEntries + Multicalls.HypervisorEntries - before;
            perOp[r] = cycles / (ulong)n;
        }
        Sort(perOp, Repeats);

        Span<char> buffer = stackalloc char[128];
        var line = new TextBuilder(buffer);
        line.Append("bench,");
        line.Append(op);
        line.Append(',');
        line.Append(path);
        line.Append(',');
        line.Append(batch);
        line.Append(',');
        line.Append(n);
        line.Append(',');
        line.Append(perOp[0]);
        line.Append(',');
        line.Append(perOp[Repeats / 2]);
        line.Append(',');
        line.Append(perOp[Repeats - 1]);
        line.Append(',');
        line.Append(entries);
        XenConsole.WriteLine(line.Text);
    }

    private static void Sort(ulong* values, int count)
    {
        for (int i = 1; i < count; i++)
        {
            ulong value = values[i];
            int j = i - 1;
            for (; j >= 0 && values[j] > value; j--) values[j + 1] = values[j];
            values[j + 1] = value;
        }
    }
}
