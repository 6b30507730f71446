using System.Linq;
using Unikernel.Bench.Report;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// The benchmark guests under real Xen: they finish, report every configuration, count hypervisor entries
// exactly, and batching shows the shape it must (fewer entries always; fewer cycles per op when coalesced).
[Collection(XenCollection.Name)]
public class HypercallBenchBootTests
{
    [Fact]
    public void Csharp_benchmark_reports_every_configuration_with_exact_entry_counts()
    {
        var boot = Boots.Run("hypercallbench", timeoutSeconds: 300);
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        Boots.AssertContains("bench-end hypercallbench", boot);
        var lines = BenchLine.Parse(BenchReport.CSharp, boot.Log);
        // Per N: mmu_update 1+6+6+1, update_va_mapping 1+6, invlpg_local 1+6+1, xen_version 1+6; four N;
        // plus mmu_update native arrays of each batch size below N (0 + 4 + 6 + 6).
        Assert.Equal(4 * 36 + 16, lines.Count);
        Assert.All(lines, l => Assert.True(l.Min > 0 && l.Min <= l.Median && l.Median <= l.Max, l.ToString()));

        BenchLine At(string op, string path, int batch) => BenchReport.Find(lines, BenchReport.CSharp, op, path, batch, 4096)!;
        Assert.Equal(4096, At("mmu_update", "direct", 1).Entries);
        Assert.Equal(4096 / 32, At("mmu_update", "multicall", 32).Entries);
        Assert.Equal(4096 / 32, At("mmu_update", "lazy", 32).Entries);       // 32 x 16 bytes fill the argument space exactly
        Assert.Equal(1, At("mmu_update", "native", 4096).Entries);
        Assert.Equal(4096 / 32, At("mmu_update", "native", 32).Entries);
        Assert.Equal(4096 / 8, At("xen_version", "multicall", 8).Entries);
        Assert.Equal(4096 / 16, At("invlpg_local", "multicall", 32).Entries); // 24-byte ops: 21 fit, so two flushes per 32

        // Coalesced lazy MMU updates beat one hypercall each, and the native array beats both.
        Assert.True(At("mmu_update", "lazy", 32).Median < At("mmu_update", "direct", 1).Median);
        Assert.True(At("mmu_update", "native", 4096).Median < At("mmu_update", "lazy", 32).Median);
        // Xen's own arrays get cheaper per op with the batch size.
        Assert.True(At("mmu_update", "native", 32).Median < At("mmu_update", "native", 2).Median);
        // More batching never costs more per op once past the multicall's fixed price (batch >= 2).
        Assert.True(At("xen_version", "multicall", 32).Median < At("xen_version", "multicall", 2).Median);
    }

    [Fact]
    public void C_baseline_runs_the_same_loop_through_the_same_stubs()
    {
        var boot = Boots.Run("cbaseline", timeoutSeconds: 300);
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        Boots.AssertContains("bench-end cbaseline", boot);
        var lines = BenchLine.Parse(BenchReport.C, boot.Log);
        Assert.Equal(4 * 8, lines.Count);
        var multicall = lines.Single(l => l.Path == "multicall" && l.Batch == 32 && l.N == 4096);
        Assert.Equal(4096 / 32, multicall.Entries);
        Assert.True(lines.Single(l => l.Path == "native" && l.N == 4096).Median < multicall.Median);
    }
}
