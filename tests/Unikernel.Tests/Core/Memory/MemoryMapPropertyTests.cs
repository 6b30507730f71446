using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using CsCheck;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

// MemoryMap.Build on e820 buffers as a hostile hypervisor could fill them: overlapping, unsorted,
// unaligned and empty entries, ends that wrap 2^64 or lie beyond the address width, counts beyond the
// buffer, type 0 and unknown types, output buffers too small. Every input gives Ok with a sorted,
// non-overlapping map or a named status, and exactly what a model gives: validation in entry order, then
// the highest type winning at every boundary, same-type neighbours merged, RAM shrunk to whole pages.
public class MemoryMapPropertyTests
{
    private const ulong PageSize = Page.Size;
    private static readonly MemoryRegion Sentinel = new(0xdead_0000, 0xbeef, (MemoryType)0xabcd);

    private static readonly Gen<ulong> Addresses = Gen.Frequency(
        (24, (IGen<ulong>)Gen.Long[0, 64].Select(page => (ulong)page * PageSize)),
        (12, Gen.Long[0, 64 * (long)PageSize].Select(address => (ulong)address)),
        (1, Gen.Long[-4 * (long)PageSize, 4 * (long)PageSize].Select(delta => (1UL << 52) + (ulong)delta)),
        (1, Gen.Long[0, 2 * (long)PageSize].Select(delta => ulong.MaxValue - (ulong)delta)),
        (1, Gen.ULong));

    private static readonly Gen<ulong> Sizes = Gen.Frequency(
        (2, (IGen<ulong>)Gen.Const(0UL)),
        (24, Gen.Long[1, 32].Select(pages => (ulong)pages * PageSize)),
        (12, Gen.Long[1, 3 * (long)PageSize].Select(size => (ulong)size)),
        (1, Gen.Long[0, 2 * (long)PageSize].Select(delta => ulong.MaxValue - (ulong)delta)),
        (1, Gen.Long[-(long)PageSize, (long)PageSize].Select(delta => (1UL << 52) + (ulong)delta)),
        (1, Gen.ULong));

    private static readonly Gen<uint> Types = Gen.Frequency(
        (12, (IGen<uint>)Gen.UInt[1, 5]), (1, Gen.Const(0u)), (1, Gen.OneOf(6u, 7u, 12u, 20u, uint.MaxValue)), (1, Gen.UInt));

    private static readonly Gen<MemoryRegion> Entries = Gen.Select(Addresses, Sizes, Types, (address, size, type) => new MemoryRegion(address, size, (MemoryType)type));

    private static readonly Gen<MemoryMapOptions> Options = Gen.Frequency(
        (3, (IGen<MemoryMapOptions>)Gen.Const(MemoryMapOptions.Default)),
        (2, Gen.Const(MemoryMapOptions.ForInitialDomain)),
        (1, Gen.Select(Gen.Int[1, 63], Gen.Bool, (bits, unusableAsRam) => new MemoryMapOptions { AddressBits = bits, UnusableAsRam = unusableAsRam })));

    public sealed record Input(MemoryRegion[] Buffer, uint ReportedCount, MemoryMapOptions Options, int Capacity)
    {
        public override string ToString() =>
            $"reported {ReportedCount} of {Buffer.Length}, bits {Options.AddressBits}, unusable as RAM {Options.UnusableAsRam}, capacity {Capacity}: " +
            string.Join(" ", Buffer.Select(e => $"[{e.Address:x}+{e.Size:x} type {(uint)e.Type}]"));
    }

    private static readonly Gen<Input> Inputs = Gen.Select(
        Gen.Frequency((20, Entries.Array[1, 12]), (1, Entries.Array[0, 0])),
        Gen.Frequency((24, (IGen<int>)Gen.Const(0)), (2, Gen.Int[-12, -1]), (1, Gen.Int[1, 4]), (1, Gen.Const(int.MaxValue))),
        Options,
        Gen.Frequency((4, (IGen<int>)Gen.Const(-1)), (2, Gen.Int[0, 25])),
        (buffer, countDelta, options, capacity) => new Input(buffer,
            countDelta == int.MaxValue ? uint.MaxValue : (uint)Math.Max(0, buffer.Length + countDelta),
            options, capacity < 0 ? 2 * buffer.Length + 1 : capacity));

    [Fact]
    public void Every_raw_map_gives_the_models_map_or_its_named_status() =>
        Property.Check(Inputs, input =>
        {
            var storage = new MemoryRegion[input.Capacity + 4];
            storage.AsSpan().Fill(Sentinel);
            var status = MemoryMap.Build(input.Buffer, input.ReportedCount, input.Options, storage.AsSpan(0, input.Capacity), out MemoryMap map, out int badIndex);
            var expected = Model(input);

            Assert.True(Enum.IsDefined(status), $"unnamed status {(int)status}");
            Assert.Equal(expected.Status, status);
            Assert.Equal(expected.BadIndex, badIndex);
            Assert.All(storage.AsSpan(input.Capacity).ToArray(), e => Assert.Equal(Sentinel, e));
            if (status != MemoryStatus.Ok)
            {
                Assert.Equal(0, map.Count);
                return;
            }

            MemoryRegion[] entries = map.Entries.ToArray();
            ulong limit = 1UL << input.Options.AddressBits;
            for (int i = 0; i < entries.Length; i++)
            {
                MemoryRegion e = entries[i];
                Assert.True(e.Size > 0 && e.Type != 0 && e.End <= limit, $"bad entry [{e.Address:x}+{e.Size:x} type {(uint)e.Type}]");
                if (e.Type == MemoryType.Ram) Assert.True(e.Address % PageSize == 0 && e.Size % PageSize == 0, "unaligned RAM");
                if (input.Options.UnusableAsRam) Assert.NotEqual(MemoryType.Unusable, e.Type);
                if (i > 0) Assert.True(entries[i - 1].End <= e.Address, "unsorted or overlapping");
            }
            Assert.Equal(expected.Map, entries);
        }, input => input.ToString());

    // The reference: validation in entry order, then an elementary sweep over every boundary.
    private static (MemoryStatus Status, int BadIndex, MemoryRegion[] Map) Model(Input input)
    {
        if (input.ReportedCount > input.Buffer.Length) return (MemoryStatus.TooManyEntries, -1, Array.Empty<MemoryRegion>());
        if (input.ReportedCount == 0) return (MemoryStatus.NoEntries, -1, Array.Empty<MemoryRegion>());
        var reported = input.Buffer.Take((int)input.ReportedCount).ToArray();
        for (int i = 0; i < reported.Length; i++)
        {
            BigInteger end = (BigInteger)reported[i].Address + reported[i].Size;
            if (end > ulong.MaxValue) return (MemoryStatus.SizeOverflow, i, Array.Empty<MemoryRegion>());
            if (end > BigInteger.One << input.Options.AddressBits) return (MemoryStatus.BeyondAddressWidth, i, Array.Empty<MemoryRegion>());
        }

        var live = reported.Where(e => e.Size != 0 && e.Type != 0)
            .Select(e => (Start: e.Address, End: e.Address + e.Size,
                Type: input.Options.UnusableAsRam && e.Type == MemoryType.Unusable ? (uint)MemoryType.Ram : (uint)e.Type))
            .ToArray();
        if (live.Length == 0) return (MemoryStatus.NoEntries, -1, Array.Empty<MemoryRegion>());

        ulong[] points = live.SelectMany(e => new[] { e.Start, e.End }).Distinct().OrderBy(p => p).ToArray();
        var merged = new List<(ulong Start, ulong End, uint Type)>();
        for (int k = 0; k + 1 < points.Length; k++)
        {
            ulong at = points[k];
            uint type = live.Where(e => e.Start <= at && at < e.End).Select(e => e.Type).DefaultIfEmpty(0u).Max();
            if (type == 0) continue;
            if (merged.Count > 0 && merged[^1].End == at && merged[^1].Type == type) merged[^1] = (merged[^1].Start, points[k + 1], type);
            else merged.Add((at, points[k + 1], type));
        }
        if (merged.Count > input.Capacity) return (MemoryStatus.OutputFull, -1, Array.Empty<MemoryRegion>());

        var map = new List<MemoryRegion>();
        foreach (var (start, end, type) in merged)
        {
            if (type != (uint)MemoryType.Ram)
            {
                map.Add(new MemoryRegion(start, end - start, (MemoryType)type));
                continue;
            }
            ulong first = (start + PageSize - 1) / PageSize * PageSize, last = end / PageSize * PageSize;
            if (last > first) map.Add(new MemoryRegion(first, last - first, MemoryType.Ram));
        }
        return (MemoryStatus.Ok, -1, map.ToArray());
    }
}
