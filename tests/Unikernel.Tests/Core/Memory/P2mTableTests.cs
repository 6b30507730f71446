using System;
using System.Linq;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

public class P2mTableTests
{
    [Fact]
    public void Encoding_matches_linux()
    {
        Assert.Equal(0xffff_ffff_ffff_ffffUL, P2mTable.InvalidEntry);
        Assert.Equal(0x4000_0000_0000_0000UL, P2mTable.IdentityFrameBit);
        Assert.Equal(0x8000_0000_0000_0000UL, P2mTable.ForeignFrameBit);
        Assert.Equal(0x4000_0000_0000_1234UL, P2mTable.IdentityFrame(0x1234));
        Assert.False(P2mTable.IsIdentity(P2mTable.InvalidEntry));
        Assert.False(P2mTable.IsBacked(P2mTable.InvalidEntry));
        Assert.True(P2mTable.IsForeign(0x8000_0000_0000_0042UL));
        Assert.False(P2mTable.IsBacked(0x8000_0000_0000_0042UL));
        Assert.True(P2mTable.IsBacked(0x42));
    }

    [Fact]
    public void Set_and_get_within_and_beyond_the_table()
    {
        var p2m = new P2mTable(new ulong[16]);
        p2m.Clear();
        Assert.Equal(P2mTable.InvalidEntry, p2m.Get(3));
        Assert.True(p2m.Set(3, 0x99));
        Assert.Equal(0x99UL, p2m.Get(3));
        Assert.Equal(P2mTable.IdentityFrame(100), p2m.Get(100));
        Assert.True(p2m.Set(100, P2mTable.IdentityFrame(100)));
        Assert.True(p2m.Set(100, P2mTable.InvalidEntry));
        Assert.False(p2m.Set(100, 0x99));
    }

    [Fact]
    public void Identity_ranges_stop_at_the_table_end()
    {
        var p2m = new P2mTable(new ulong[16]);
        p2m.Clear();
        Assert.Equal(4UL, p2m.SetIdentity(12, 100));
        Assert.Equal(P2mTable.IdentityFrame(15), p2m.Get(15));
        Assert.Equal(P2mTable.InvalidEntry, p2m.Get(11));
    }

    [Fact]
    public void Applying_a_plan_moves_marks_and_releases()
    {
        var entries = new ulong[16];
        var p2m = new P2mTable(entries);
        p2m.FillContiguous(8, 0x500);
        var plan = new[]
        {
            new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 2, Destination = 10, Count = 2 },
            new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = 2, Count = 2 },
            new MemoryOperation { Kind = MemoryOperationKind.Release, Source = 5, Count = 5 }, // 8 and 9 have nothing
            new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = 5, Count = 3 },
        };
        var released = new ulong[8];
        Assert.Equal(MemoryStatus.Ok, p2m.Apply(plan, released, out int count));
        Assert.Equal(new ulong[] { 0x505, 0x506, 0x507 }, released[..count]);
        Assert.Equal(new ulong[] { 0x500, 0x501, P2mTable.IdentityFrame(2), P2mTable.IdentityFrame(3), 0x504 }, entries[..5]);
        Assert.Equal(P2mTable.IdentityFrame(7), entries[7]);
        Assert.Equal(P2mTable.InvalidEntry, entries[8]);
        Assert.Equal(new ulong[] { 0x502, 0x503 }, entries[10..12]);
    }

    [Fact]
    public void Loading_takes_the_start_of_day_list_and_leaves_the_rest_invalid()
    {
        var entries = new ulong[6];
        System.Array.Fill(entries, 0x77UL);
        new P2mTable(entries).Load(new ulong[] { 0x500, 0x501, 0x502 });
        Assert.Equal(new ulong[] { 0x500, 0x501, 0x502, P2mTable.InvalidEntry, P2mTable.InvalidEntry, P2mTable.InvalidEntry }, entries);

        var small = new ulong[2];
        new P2mTable(small).Load(new ulong[] { 0x500, 0x501, 0x502 }); // a list longer than the table: what fits
        Assert.Equal(new ulong[] { 0x500, 0x501 }, small);
    }

    [Fact]
    public void Applying_a_plan_without_recording_releases_gives_the_same_table()
    {
        var plan = new[]
        {
            new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 2, Destination = 10, Count = 2 },
            new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = 2, Count = 2 },
            new MemoryOperation { Kind = MemoryOperationKind.Release, Source = 5, Count = 5 },
            new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = 5, Count = 3 },
        };
        var recorded = new ulong[16];
        new P2mTable(recorded).Load(new ulong[] { 0x500, 0x501, 0x502, 0x503, 0x504, 0x505, 0x506, 0x507 });
        Assert.Equal(MemoryStatus.Ok, new P2mTable(recorded).Apply(plan, new ulong[8], out _));
        var unrecorded = new ulong[16];
        new P2mTable(unrecorded).Load(new ulong[] { 0x500, 0x501, 0x502, 0x503, 0x504, 0x505, 0x506, 0x507 });
        Assert.Equal(MemoryStatus.Ok, new P2mTable(unrecorded).Apply(plan)); // no buffer, nothing can be full
        Assert.Equal(recorded, unrecorded);
        var remapOut = new[] { new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 0, Destination = 15, Count = 2 } };
        Assert.Equal(MemoryStatus.OutOfRange, new P2mTable(unrecorded).Apply(remapOut));
    }

    [Fact]
    public void A_split_table_keeps_the_list_head_in_place_and_matches_one_table()
    {
        ulong[] List() => new ulong[] { 0x500, 0x501, 0x502, 0x503, 0x504, 0x505, 0x506, 0x507, 0x508, 0x509 };
        var plan = new[]
        {
            new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 2, Destination = 12, Count = 4 }, // head to second part
            new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = 2, Count = 4 },
            new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 6, Destination = 16, Count = 2 }, // head to second part, source left invalid
            new MemoryOperation { Kind = MemoryOperationKind.Release, Source = 9, Count = 2 },
            new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = 16, Count = 10 },
        };
        var whole = new ulong[20];
        var one = new P2mTable(whole);
        one.Load(List());
        Assert.Equal(MemoryStatus.Ok, one.Apply(plan));

        var list = List();
        var high = new ulong[12];
        System.Array.Fill(high, 0x77UL);
        var split = new P2mTable(list.AsSpan(0, 8), high);
        split.Load(list); // the head is the list itself: nothing copied over it
        Assert.Equal(20UL, split.Size);
        Assert.Equal(MemoryStatus.Ok, split.Apply(plan));
        Assert.Equal(whole, list[..8].Concat(high).ToArray());
        for (ulong pfn = 0; pfn < 22; pfn++) Assert.Equal(one.Get(pfn), split.Get(pfn));
        Assert.Equal(0x502UL, split.Get(12));
        Assert.Equal(P2mTable.IdentityFrame(3), split.Get(3));
        Assert.Equal(P2mTable.InvalidEntry, split.Get(6));

        var overlapping = new[] { new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 0, Destination = 1, Count = 2 } };
        Assert.Equal(MemoryStatus.Overlap, split.Apply(overlapping));

        Assert.True(split.Set(15, 0x900));
        Assert.Equal(0x900UL, high[7]);
        split.SetRange(6, 4, 0x11);
        Assert.Equal(new ulong[] { 0x11, 0x11 }, list[6..8]);
        Assert.Equal(new ulong[] { 0x11, 0x11 }, high[..2]);
    }

    [Fact]
    public void Plans_outside_the_table_and_full_release_buffers_are_reported()
    {
        var p2m = new P2mTable(new ulong[16]);
        p2m.FillContiguous(8, 0x500);
        var remapOut = new[] { new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = 0, Destination = 15, Count = 2 } };
        Assert.Equal(MemoryStatus.OutOfRange, p2m.Apply(remapOut, new ulong[4], out _));
        var release = new[] { new MemoryOperation { Kind = MemoryOperationKind.Release, Source = 0, Count = 3 } };
        Assert.Equal(MemoryStatus.OutputFull, p2m.Apply(release, new ulong[2], out _));
    }
}
