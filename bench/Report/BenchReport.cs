using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Unikernel.Bench.Report;

// The Markdown summary of a benchmark run: per-operation cycles by path and batch size at the largest N,
// the C#/C ratio of the shared mmu_update loop, and how close multicall batching gets to Xen's native array.
public static class BenchReport
{
    public const string CSharp = "csharp", C = "c";

    public static string Markdown(IReadOnlyList<BenchLine> lines)
    {
        int n = lines.Max(l => l.N);
        var sb = new StringBuilder();
        sb.AppendLine($"Median cycles per operation (TSC) at N = {n}; `vs direct` = cycles per op relative to one hypercall per op; entries = hypervisor entries for the {n} ops.");
        sb.AppendLine();
        sb.AppendLine("| op | path | batch | median cycles/op | min | max | vs direct | entries |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var op in lines.Where(l => l.Guest == CSharp).Select(l => l.Op).Distinct())
        {
            var direct = Find(lines, CSharp, op, "direct", 1, n);
            foreach (var l in lines.Where(l => l.Guest == CSharp && l.Op == op && l.N == n))
                sb.AppendLine($"| {op} | {l.Path} | {l.Batch} | {l.Median} | {l.Min} | {l.Max} | {Ratio(l, direct)} | {l.Entries} |");
        }

        sb.AppendLine();
        sb.AppendLine($"C# / C, same mmu_update loop (median cycles per op, N = {n}):");
        sb.AppendLine();
        sb.AppendLine("| path | batch | C# | C | C#/C |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var c in lines.Where(l => l.Guest == C && l.N == n))
        {
            var cs = Find(lines, CSharp, c.Op, c.Path, c.Batch, n);
            if (cs != null) sb.AppendLine($"| {c.Path} | {c.Batch} | {cs.Median} | {c.Median} | {Ratio(cs, c)} |");
        }

        sb.AppendLine();
        sb.AppendLine($"Batching against the floor (one native mmu_update of all {n} requests), C# guest:");
        sb.AppendLine();
        var native = Find(lines, CSharp, "mmu_update", "native", n, n);
        var single = Find(lines, CSharp, "mmu_update", "direct", 1, n);
        foreach (var path in new[] { "multicall", "lazy" })
        {
            var b32 = Find(lines, CSharp, "mmu_update", path, 32, n);
            if (b32 == null || native == null || single == null) continue;
            sb.AppendLine($"- mmu_update {path}, batch 32: {b32.Median} cycles/op = {Ratio(b32, native)} x the native floor ({native.Median}); {Ratio(b32, single)} x direct ({single.Median}).");
        }
        // The fair floor for a batch of 32 is Xen's own array of 32 per hypercall.
        var native32 = Find(lines, CSharp, "mmu_update", "native", 32, n);
        var lazy32 = Find(lines, CSharp, "mmu_update", "lazy", 32, n);
        if (native32 != null && lazy32 != null && single != null)
            sb.AppendLine($"- native arrays of 32 per hypercall: {native32.Median} cycles/op = {Ratio(native32, single)} x direct; lazy batch 32 is {Ratio(lazy32, native32)} x that.");
        // What no batching can remove: Xen's own work on each request, the whole cost of the native floor.
        if (native != null && single != null)
        {
            sb.Append($"- limit on this platform: Xen's work per request (the native floor) is {Ratio(native, single)} of a single call, so no batching can cost less than {Ratio(native, single)} x direct here; batching removes only the rest (the hypervisor entry and the guest's per-call work)");
            if (lazy32 != null && native32 != null)
                sb.Append($". Of that removable cost, lazy batch 32 removes {Removed(lazy32, single, native)}, native arrays of 32 {Removed(native32, single, native)}");
            sb.AppendLine(".");
        }
        return sb.ToString();
    }

    public static BenchLine? Find(IReadOnlyList<BenchLine> lines, string guest, string op, string path, int batch, int n) =>
        lines.FirstOrDefault(l => l.Guest == guest && l.Op == op && l.Path == path && l.Batch == batch && l.N == n);

    // Share of (direct - floor) that a path saves: 100% would be the floor itself.
    private static string Removed(BenchLine path, BenchLine direct, BenchLine floor) =>
        direct.Median <= floor.Median ? "-" :
        ((double)(direct.Median - path.Median) / (direct.Median - floor.Median)).ToString("0%", CultureInfo.InvariantCulture);

    private static string Ratio(BenchLine? a, BenchLine? b) =>
        a == null || b == null || b.Median == 0 ? "-" : ((double)a.Median / b.Median).ToString("0.00", CultureInfo.InvariantCulture);
}
