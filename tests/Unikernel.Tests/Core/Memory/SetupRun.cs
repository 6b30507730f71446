using System;
using System.Linq;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

// One run of memory setup the way the Xen layer drives it, with everything copied out for inspection.
internal sealed class SetupRun
{
    public const ulong FirstMfn = 0x800000;

    public MemoryStatus Status;
    public MemoryRegion[] Map = Array.Empty<MemoryRegion>();
    public PageLimits Limits;
    public MemorySetupSummary Summary;
    public MemoryOperation[] Plan = Array.Empty<MemoryOperation>();
    public PfnRange[] Extra = Array.Empty<PfnRange>();
    public ulong[] P2m = Array.Empty<ulong>();
    public ulong[] GuestP2m = Array.Empty<ulong>(); // built as the Xen layer builds it: split, loaded, then applied without recording
    public ulong[] Released = Array.Empty<ulong>();

    public static SetupRun Execute(MemoryRegion[] raw, ulong nrPages, ulong maxReservation, bool initialDomain,
        bool limit512Gb = true, int planCapacity = 256, int extraCapacity = ExtraMemory.DefaultCapacity)
    {
        var run = new SetupRun();
        var options = initialDomain ? MemoryMapOptions.ForInitialDomain : MemoryMapOptions.Default;
        var storage = new MemoryRegion[raw.Length * 2 + 2];
        run.Status = MemoryMap.Build(raw, (uint)raw.Length, options, storage, out var map, out _);
        if (run.Status != MemoryStatus.Ok) return run;
        run.Map = map.Entries.ToArray();

        run.Limits = PageLimits.Compute(nrPages, maxReservation, initialDomain, limit512Gb);
        var extra = new ExtraMemory(new PfnRange[extraCapacity]);
        var plan = new MemoryPlan(new MemoryOperation[planCapacity]);
        run.Status = MemorySetupPlanner.Plan(map, run.Limits, ref extra, ref plan, out run.Summary);
        run.Plan = plan.Operations.ToArray();
        run.Extra = extra.Slots.ToArray().Where(r => r.Count != 0).OrderBy(r => r.Start).ToArray();
        if (run.Status != MemoryStatus.Ok) return run;

        // The domain as Xen built it: pfns below nr_pages backed by some frames.
        run.P2m = new ulong[run.Summary.TopPfn];
        var p2m = new P2mTable(run.P2m);
        p2m.FillContiguous(run.Limits.InitialPages, FirstMfn);
        var released = new ulong[run.Limits.InitialPages];
        run.Status = p2m.Apply(run.Plan, released, out int releasedCount);
        run.Released = released.Take(releasedCount).ToArray();
        if (run.Status != MemoryStatus.Ok) return run;

        // As the Xen layer does: a directory of leaves over the start-of-day list (P2mLeaves).
        run.GuestP2m = BuildLeaves(run.Limits.InitialPages, run.Summary.TopPfn, run.Plan, out run.Status);
        return run;
    }

    // The p2m as P2mLeaves builds it over a start-of-day list of consecutive frames, read back pfn by pfn.
    public static unsafe ulong[] BuildLeaves(ulong nrPages, ulong size, MemoryOperation[] plan, out MemoryStatus status)
    {
        ulong* list = (ulong*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)Math.Max(nrPages, 1), sizeof(ulong));
        ulong* storage = null;
        try
        {
            for (ulong i = 0; i < nrPages; i++) list[i] = FirstMfn + i;
            status = P2mLeaves.StoragePages(plan, nrPages, size, out ulong pages);
            if (status != MemoryStatus.Ok) return Array.Empty<ulong>();
            storage = (ulong*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)(pages * Page.Size));
            status = P2mLeaves.Build(list, nrPages, size, plan, storage, out ulong* directory, out ulong* identity, out ulong low);
            if (status != MemoryStatus.Ok) return Array.Empty<ulong>();
            var table = new ulong[size];
            for (ulong pfn = 0; pfn < size; pfn++)
            {
                table[pfn] = P2mLeaves.Get(directory, identity, size, pfn);
                if (pfn < low && list[pfn] != table[pfn]) throw new InvalidOperationException($"pfn {pfn:x} below the in-place end {low:x} reads another entry than the list's");
            }
            return table;
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(list);
            System.Runtime.InteropServices.NativeMemory.Free(storage);
        }
    }

    public ulong Sum(MemoryOperationKind kind) => Plan.Where(o => o.Kind == kind).Aggregate(0UL, (s, o) => s + o.Count);

    public string Describe() =>
        $"map {Maps.Describe(Map)}; ini {Limits.InitialPages:x} max {Limits.MaxPages:x}; plan " +
        string.Join(" ", Plan.Select(o => $"{o.Kind}({o.Source:x}->{o.Destination:x} x{o.Count:x})")) +
        "; extra " + string.Join(" ", Extra.Select(r => $"{r.Start:x}+{r.Count:x}"));
}
