using System;
using System.Linq;
using CsCheck;
using Unikernel.Core.Memory;
using static Unikernel.Tests.Core.Memory.Maps;

namespace Unikernel.Tests.Core.Memory;

public class P2mLeavesTests
{
    private const ulong Leaf = P2mLeaves.EntriesPerLeaf;

    // QEMU's 4 GiB dom0: a 1 GiB hole from just below 3 GiB, 218,199 pages moved above 4 GiB. The directory
    // takes the hole's whole list pages over and shares one leaf for the 1:1 range, so the new pages are the
    // directory, the identity leaf, the two ragged leaves of the move and the balloon space's leaves.
    [Fact]
    public void The_4_GiB_dom0_takes_the_hole_over_without_copying_it()
    {
        MemoryRegion[] map =
        {
            Ram(0, 0x9fc00), Reserved(0x9fc00, 0xa0000), Reserved(0xf0000, 0x100000), Ram(0x100000, 0xbffe0000),
            Reserved(0xbffe0000, 0xc0000000), Reserved(0xfffc0000, 0x100000000), Ram(0x100000000, 0x140000000),
        };
        var run = SetupRun.Execute(map, nrPages: 1004502, maxReservation: 4294967295, initialDomain: true);
        Assert.Equal(MemoryStatus.Ok, run.Status);
        Assert.Equal(218199UL, run.Summary.RemappedPages);
        Assert.Equal(run.P2m, run.GuestP2m);
        var remap = run.Plan.Where(o => o.Kind == MemoryOperationKind.Remap).MaxBy(o => o.Count);
        Assert.Equal(remap.Source % Leaf, remap.Destination % Leaf); // the planner keeps the place within a leaf
        Assert.Equal(MemoryStatus.Ok, P2mLeaves.StoragePages(run.Plan, 1004502, run.Summary.TopPfn, out ulong pages));
        ulong balloonLeaves = (run.Summary.TopPfn - (remap.Destination + remap.Count)) / Leaf + 2;
        Assert.True(pages <= P2mLeaves.DirectoryPages(run.Summary.TopPfn) + 1 + 2 + balloonLeaves + 1, $"{pages} pages");
    }

    [Fact]
    public void Without_a_plan_every_whole_list_page_stays_in_place()
    {
        var table = SetupRun.BuildLeaves(3 * Leaf + 7, 5 * Leaf, Array.Empty<MemoryOperation>(), out var status);
        Assert.Equal(MemoryStatus.Ok, status);
        for (ulong pfn = 0; pfn < 3 * Leaf + 7; pfn++) Assert.Equal(SetupRun.FirstMfn + pfn, table[pfn]);
        for (ulong pfn = 3 * Leaf + 7; pfn < 5 * Leaf; pfn++) Assert.Equal(P2mTable.InvalidEntry, table[pfn]);
        Assert.Equal(MemoryStatus.Ok, P2mLeaves.StoragePages(Array.Empty<MemoryOperation>(), 3 * Leaf + 7, 5 * Leaf, out ulong pages));
        Assert.Equal(1 + 1 + 2UL, pages); // directory, identity leaf, the list's tail and the (missing) leaf after it
    }

    // Balloon space past the list is missing: no page written until an entry is, then a page of INVALID
    // entries but the one written; the frame list names the all-INVALID identity leaf until then.
    [Fact]
    public unsafe void A_missing_leaf_is_filled_on_first_write()
    {
        const ulong nrPages = 2 * Leaf, size = 6 * Leaf;
        ulong* list = (ulong*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)nrPages, sizeof(ulong));
        Assert.Equal(MemoryStatus.Ok, P2mLeaves.StoragePages(Array.Empty<MemoryOperation>(), nrPages, size, out ulong pages));
        ulong* storage = (ulong*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)(pages * Page.Size));
        try
        {
            for (ulong i = 0; i < nrPages; i++) list[i] = 0x1000 + i;
            for (ulong i = 0; i < pages * Leaf; i++) storage[i] = 0xdead; // garbage, as reserve pages may hold
            Assert.Equal(MemoryStatus.Ok, P2mLeaves.Build(list, nrPages, size, Array.Empty<MemoryOperation>(), storage, out ulong* directory, out ulong* identity, out ulong low));
            Assert.Equal(nrPages, low);
            Assert.True(P2mLeaves.IsMissing(directory[3]));
            Assert.Equal((ulong)identity, P2mLeaves.PublishedLeaf(directory, identity, 3));
            for (ulong pfn = nrPages; pfn < size; pfn++) Assert.Equal(P2mTable.InvalidEntry, P2mLeaves.Get(directory, identity, size, pfn));
            ulong* leaf = P2mLeaves.Writable(directory, identity, size, 3 * Leaf + 5);
            leaf[5] = 0x7777;
            Assert.False(P2mLeaves.IsMissing(directory[3]));
            Assert.Equal((ulong)leaf, P2mLeaves.PublishedLeaf(directory, identity, 3));
            for (ulong pfn = 3 * Leaf; pfn < 4 * Leaf; pfn++)
                Assert.Equal(pfn == 3 * Leaf + 5 ? 0x7777 : P2mTable.InvalidEntry, P2mLeaves.Get(directory, identity, size, pfn));
            Assert.True(P2mLeaves.IsMissing(directory[4]));
            Assert.Equal(0x1001UL, P2mLeaves.Get(directory, identity, size, 1));
            Assert.True(P2mLeaves.Writable(directory, identity, size, size) == null);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(list);
            System.Runtime.InteropServices.NativeMemory.Free(storage);
        }
    }

    [Fact]
    public void Plans_the_planner_never_makes_are_refused()
    {
        var overlap = new[] { new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 0, Destination = 10, Count = 20 } };
        Assert.Equal(MemoryStatus.Overlap, P2mLeaves.StoragePages(overlap, 64, 64, out _));
        var beyond = new[] { new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 0, Destination = 60, Count = 10 } };
        Assert.Equal(MemoryStatus.OutOfRange, P2mLeaves.StoragePages(beyond, 64, 64, out _));
    }

    // Dom0 maps with one hole at random places, leaf-aligned or not, in up to 48 leaves of pfns: the directory
    // reads exactly as the table built entry by entry.
    [Fact]
    public void Random_holes_read_as_the_table_built_entry_by_entry()
    {
        var pfn = Gen.Frequency((1, (IGen<ulong>)Gen.Int[1, 48].Select(l => (ulong)l * Leaf)), (1, Gen.Int[1, 48 * (int)Leaf].Select(p => (ulong)p)));
        var inputs = Gen.Select(pfn, pfn, pfn, Gen.Int[1, 48 * (int)Leaf], (a, b, c, nr) => (a, b, c, (ulong)nr));
        Property.Check(inputs, input =>
        {
            var (a, b, c, nrPages) = input;
            ulong[] cuts = new[] { a, b, c }.OrderBy(x => x).ToArray();
            if (cuts[0] == cuts[1] || cuts[1] == cuts[2]) return;
            MemoryRegion[] map = { Ram(0, cuts[0] * Page.Size), Reserved(cuts[0] * Page.Size, cuts[1] * Page.Size), Ram(cuts[1] * Page.Size, cuts[2] * Page.Size) };
            var run = SetupRun.Execute(map, nrPages, nrPages, initialDomain: true);
            if (run.Status != MemoryStatus.Ok) return;
            if (!run.GuestP2m.AsSpan().SequenceEqual(run.P2m)) throw new Xunit.Sdk.XunitException($"the directory differs; {run.Describe()}");
        }, input => $"{input}");
    }
}
