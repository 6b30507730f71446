using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

// Generates many small, messy maps (unsorted, overlapping, unaligned, all types) and domain sizes, runs the
// whole setup on each, and checks what must hold whatever the input.
public class RandomizedMemorySetupTests
{
    private const ulong AddressSpacePages = 8192; // 32 MiB keeps a run cheap while holes and extra still vary

    public sealed record Input(MemoryRegion[] Raw, bool Dom0, ulong NrPages, ulong MaxReservation, bool Limit512)
    {
        public override string ToString() =>
            $"dom0={Dom0} nr_pages={NrPages:x} max_res={MaxReservation:x} limit512={Limit512}, raw {Maps.Describe(Raw)}";
    }

    // An entry starts on a page (a quarter of them anywhere inside it), is a few bytes to three pages, up to
    // 1023 pages, or up to the whole space (half of those with a ragged end); one in twenty is empty. Half
    // are RAM, the rest any other type.
    private static readonly Gen<MemoryRegion> Entries = Gen.Select(
        Gen.Int[0, (int)AddressSpacePages - 1],
        Gen.Frequency((3, (IGen<int>)Gen.Const(0)), (1, Gen.Int[0, (int)Page.Size - 1])),
        Gen.Frequency(
            (19, (IGen<ulong>)Gen.OneOf(
                Gen.Int[1, 3 * (int)Page.Size - 1].Select(n => (ulong)n),
                Gen.Int[1, 1023].Select(pages => (ulong)pages * Page.Size),
                Gen.Select(Gen.Int[1, (int)AddressSpacePages - 1], Gen.Frequency((1, (IGen<int>)Gen.Const(0)), (1, Gen.Int[0, 4095])),
                    (pages, ragged) => (ulong)pages * Page.Size + (ulong)ragged))),
            (1, Gen.Const(0UL))),
        Gen.Frequency((1, (IGen<MemoryType>)Gen.Const(MemoryType.Ram)), (1, Gen.Int[2, 5].Select(t => (MemoryType)t))),
        (page, offset, size, type) => new MemoryRegion((ulong)page * Page.Size + (ulong)offset, size, type));

    private static readonly Gen<Input> Inputs = Gen.Select(
        Entries.Array[1, 10], Gen.Bool, Gen.Int[1, (int)AddressSpacePages], Gen.Int[0, 2], Gen.Int[0, 4095], Gen.Bool,
        (raw, dom0, nrPages, reservation, above, limit512) => new Input(raw, dom0, (ulong)nrPages,
            reservation switch { 0 => 0, 1 => (ulong)nrPages, _ => (ulong)nrPages + (ulong)above }, limit512));

    [Fact]
    public void Every_generated_map_keeps_every_page_accounted_for() =>
        Property.Check(Inputs, input =>
        {
            CheckSanitizedMap(input.Raw, input.Dom0);
            CheckSetup(input.Raw, input.NrPages, input.MaxReservation, input.Dom0, input.Limit512);
        }, input => input.ToString());

    private static void Fail(string message) => throw new Xunit.Sdk.XunitException(message);

    // The guest's own map has RAM exactly where it has backed or extra pages, except the ISA window.
    private static void CheckGuestMap(SetupRun run, bool[] isRam, bool[] isExtra)
    {
        var map = new MemoryMap(run.Map);
        var scratch = new MemoryRegion[GuestMemoryMap.ScratchEntries(map.Count, run.Extra.Length, run.Plan.Length)];
        var output = new MemoryRegion[scratch.Length * 2];
        if (GuestMemoryMap.Build(map, run.Limits, run.Extra, run.Plan, scratch, output, out int count) != MemoryStatus.Ok)
            Fail($"guest map failed; {run.Describe()}");
        var guest = new MemoryMap(output.AsSpan(0, count));
        var guestRam = new bool[run.Summary.TopPfn];
        for (int i = 0; i < guest.Count; i++)
        {
            if (guest[i].Type != MemoryType.Ram) continue;
            if (guest[i].End > run.Summary.TopPfn * Page.Size) Fail($"guest RAM past the top; {run.Describe()}");
            for (ulong p = guest[i].Address / Page.Size; p < guest[i].End / Page.Size; p++) guestRam[p] = true;
        }
        for (ulong p = 0; p < run.Summary.TopPfn; p++)
        {
            bool inIsa = p >= GuestMemoryMap.IsaStart / Page.Size && p < GuestMemoryMap.IsaEnd / Page.Size;
            bool expected = !inIsa && isRam[p] && (P2mTable.IsBacked(run.P2m[p]) || isExtra[p]);
            if (guestRam[p] != expected) Fail($"guest map RAM={guestRam[p]} at pfn {p:x}; {run.Describe()}");
        }
    }

    private static void CheckSanitizedMap(MemoryRegion[] raw, bool unusableAsRam)
    {
        var output = new MemoryRegion[raw.Length * 2 + 1];
        var options = unusableAsRam ? MemoryMapOptions.ForInitialDomain : MemoryMapOptions.Default;
        var status = MemoryMap.Build(raw, (uint)raw.Length, options, output, out var map, out _);
        if (raw.All(e => e.Size == 0))
        {
            Assert.Equal(MemoryStatus.NoEntries, status);
            return;
        }
        Assert.Equal(MemoryStatus.Ok, status);
        var entries = map.Entries.ToArray();

        for (int i = 0; i < entries.Length; i++)
        {
            Assert.True(entries[i].Size > 0, "empty entry");
            if (entries[i].Type == MemoryType.Ram)
                Assert.True(entries[i].Address % Page.Size == 0 && entries[i].Size % Page.Size == 0, "unaligned RAM");
            if (unusableAsRam) Assert.NotEqual(MemoryType.Unusable, entries[i].Type);
            if (i == 0) continue;
            Assert.True(entries[i - 1].End <= entries[i].Address, "unsorted or overlapping");
            Assert.False(entries[i - 1].End == entries[i].Address && entries[i - 1].Type == entries[i].Type, "unmerged neighbours");
        }

        // Against the reference meaning of the raw map, at and around every raw boundary.
        foreach (var e in raw.Where(e => e.Size != 0))
        {
            foreach (ulong b in new[] { e.Address, e.End, e.Address == 0 ? 0 : e.Address - 1, e.End - 1 })
            {
                uint expected = Maps.TypeAt(raw, b, unusableAsRam);
                if (expected == (uint)MemoryType.Ram) continue;
                var holder = entries.Where(x => x.Address <= b && b < x.End).ToArray();
                uint actual = holder.Length == 0 ? 0 : (uint)holder[0].Type;
                if (!(expected == actual)) Fail($"type at {b:x}: expected {expected}, got {actual}");
            }
            foreach (ulong pfn in new[] { Page.PfnDown(e.Address), Page.PfnDown(e.End), Page.PfnDown(e.Address) + 1, Page.PfnDown(e.End) - 1 })
            {
                if (pfn == ulong.MaxValue) continue;
                bool expected = Maps.PageIsRam(raw, pfn, unusableAsRam);
                if (!(expected == map.IsRamPfn(pfn))) Fail($"pfn {pfn:x}: reference says RAM={expected}");
            }
        }

        // Order of the input does not matter.
        var shuffled = raw.Reverse().ToArray();
        var again = new MemoryRegion[output.Length];
        Assert.Equal(MemoryStatus.Ok, MemoryMap.Build(shuffled, (uint)shuffled.Length, options, again, out var map2, out _));
        Assert.Equal(entries, map2.Entries.ToArray());
    }

    private static void CheckSetup(MemoryRegion[] raw, ulong nrPages, ulong maxReservation, bool dom0, bool limit512)
    {
        if (raw.All(e => e.Size == 0)) return;
        var run = SetupRun.Execute(raw, nrPages, maxReservation, dom0, limit512, planCapacity: 1024);
        if (!(run.Status == MemoryStatus.Ok)) Fail($"status {run.Status}; {run.Describe()}");
        ulong ini = run.Limits.InitialPages, top = run.Summary.TopPfn;
        Assert.Equal((ulong)run.P2m.Length, top);
        Assert.True(top >= ini);

        var isRam = new bool[top];
        foreach (var e in run.Map.Where(e => e.Type == MemoryType.Ram))
            for (ulong p = e.Address / Page.Size; p < e.End / Page.Size && p < top; p++) isRam[p] = true;

        // Extra regions: disjoint, RAM, above the initial pages.
        var isExtra = new bool[top];
        foreach (var r in run.Extra)
            for (ulong p = r.Start; p < r.End; p++)
            {
                if (!(p < top && isRam[p] && p >= ini && !isExtra[p])) Fail($"bad extra pfn {p:x}; {run.Describe()}");
                isExtra[p] = true;
            }

        // The guest's way to the table (a directory of leaves over Xen's list, P2mLeaves) gives the same table.
        if (!run.GuestP2m.AsSpan().SequenceEqual(run.P2m)) Fail($"the guest's p2m differs; {run.Describe()}");

        // The backed runs computed from the plan alone (what boot gives its allocator) are the table's.
        var ranges = new PfnRange[2 * run.Plan.Length + 2];
        if (P2mTable.BackedRanges(run.Plan, ini, top, ranges, out int rangeCount) != MemoryStatus.Ok) Fail($"backed ranges failed; {run.Describe()}");
        var fromPlan = new bool[top];
        for (int i = 0; i < rangeCount; i++)
        {
            if (i > 0 && ranges[i].Start <= ranges[i - 1].End) Fail($"backed ranges not sorted and merged; {run.Describe()}");
            for (ulong p = ranges[i].Start; p < ranges[i].End; p++) fromPlan[p] = true;
        }
        for (ulong p = 0; p < top; p++)
            if (fromPlan[p] != P2mTable.IsBacked(run.P2m[p])) Fail($"backed ranges say {fromPlan[p]} at pfn {p:x}; {run.Describe()}");

        // Each pfn is exactly one of: backed, identity, extra, unused RAM above the allocation.
        ulong identity = 0, backedAbove = 0, unused = 0, holesBelow = 0;
        var mfns = new List<ulong>();
        for (ulong p = 0; p < top; p++)
        {
            ulong entry = run.P2m[p];
            if (!isRam[p])
            {
                if (!(entry == P2mTable.IdentityFrame(p))) Fail($"pfn {p:x} in a hole is {entry:x}; {run.Describe()}");
                identity++;
                if (p < ini) holesBelow++;
                continue;
            }
            if (P2mTable.IsBacked(entry))
            {
                if (!(!(isExtra[p]))) Fail($"pfn {p:x} backed yet extra; {run.Describe()}");
                mfns.Add(entry);
                if (p >= ini) backedAbove++;
                continue;
            }
            if (!(entry == P2mTable.InvalidEntry && p >= ini)) Fail($"RAM pfn {p:x} is {entry:x}; {run.Describe()}");
            if (!isExtra[p]) unused++;
        }

        // No page lost: every initial frame is in the p2m or was released, exactly once.
        mfns.AddRange(run.Released);
        mfns.Sort();
        if (!(mfns.Count == (int)ini)) Fail($"{mfns.Count} frames for {ini} initial pages; {run.Describe()}");
        for (int k = 0; k < mfns.Count; k++)
            if (mfns[k] != SetupRun.FirstMfn + (ulong)k) Fail($"frame {SetupRun.FirstMfn + (ulong)k:x} lost or duplicated; {run.Describe()}");

        var s = run.Summary;
        Assert.Equal(identity, s.IdentityPages);
        Assert.Equal(backedAbove, s.RemappedPages);
        Assert.Equal((ulong)run.Released.Length, s.ReleasedPages);
        Assert.Equal(holesBelow, s.RemappedPages + s.ReleasedPages);
        Assert.Equal(run.Extra.Aggregate(0UL, (sum, r) => sum + r.Count), s.ExtraPages);
        Assert.Equal(run.Sum(MemoryOperationKind.Remap), s.RemappedPages);
        CheckGuestMap(run, isRam, isExtra);
        if (s.ReleasedPages > 0) if (!(s.ExtraPages == 0)) Fail($"released with room left; {run.Describe()}");

        // Extra space (including what remapping used) respects the ratio and the maximum, and is only
        // short of the RAM available when one of those bounds was hit.
        ulong budget = Math.Min(PageLimits.ExtraMemRatio * Math.Min(ini, run.Limits.MaxMemPages),
            run.Limits.MaxPages + holesBelow > ini ? run.Limits.MaxPages + holesBelow - ini : 0);
        if (!(s.ExtraPages + s.RemappedPages <= budget)) Fail($"extra {s.ExtraPages:x} + remapped over budget {budget:x}; {run.Describe()}");
        if (unused > 0) if (!(s.ExtraPages + s.RemappedPages == budget)) Fail($"{unused} RAM pages unused under budget; {run.Describe()}");
    }
}
