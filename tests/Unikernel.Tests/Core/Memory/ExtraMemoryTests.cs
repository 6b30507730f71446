using System.Linq;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

public class ExtraMemoryTests
{
    private static (ulong, ulong)[] Regions(ExtraMemory extra) =>
        extra.Slots.ToArray().Where(r => r.Count != 0).Select(r => (r.Start, r.Count)).OrderBy(r => r.Start).ToArray();

    [Fact]
    public void Adding_after_a_region_appends_to_it()
    {
        var extra = new ExtraMemory(new PfnRange[4]);
        Assert.True(extra.Add(100, 10));
        Assert.True(extra.Add(110, 5));
        Assert.True(extra.Add(200, 1));
        Assert.Equal(new[] { (100UL, 15UL), (200UL, 1UL) }, Regions(extra));
        Assert.Equal(16UL, extra.TotalPages);
        Assert.Equal(201UL, extra.EndPfn());
    }

    [Fact]
    public void Adding_beyond_capacity_fails()
    {
        var extra = new ExtraMemory(new PfnRange[2]);
        Assert.True(extra.Add(0, 1));
        Assert.True(extra.Add(10, 1));
        Assert.False(extra.Add(20, 1));
        Assert.True(extra.Add(11, 1)); // appending needs no slot
    }

    [Fact]
    public void Removing_at_start_end_and_middle()
    {
        var extra = new ExtraMemory(new PfnRange[4]);
        extra.Add(100, 100);
        Assert.True(extra.Remove(100, 10));
        Assert.Equal(new[] { (110UL, 90UL) }, Regions(extra));
        Assert.True(extra.Remove(190, 10));
        Assert.Equal(new[] { (110UL, 80UL) }, Regions(extra));
        Assert.True(extra.Remove(150, 5));
        Assert.Equal(new[] { (110UL, 40UL), (155UL, 35UL) }, Regions(extra));
        Assert.False(extra.Contains(152));
        Assert.True(extra.Contains(155));
        Assert.Equal(75UL, extra.TotalPages);
    }

    [Fact]
    public void Removing_what_is_not_there_fails_and_changes_nothing()
    {
        var extra = new ExtraMemory(new PfnRange[1]);
        extra.Add(100, 100);
        Assert.False(extra.Remove(50, 10));
        Assert.False(extra.Remove(190, 20)); // runs past the end
        Assert.False(extra.Remove(150, 5)); // a split needs a free slot
        Assert.Equal(new[] { (100UL, 100UL) }, Regions(extra));
    }

    [Fact]
    public void Lowest_region_is_found_regardless_of_slot_order()
    {
        var extra = new ExtraMemory(new PfnRange[4]);
        extra.Add(500, 1);
        extra.Add(300, 1);
        extra.Add(400, 1);
        Assert.True(extra.TryGetLowest(out var lowest));
        Assert.Equal(300UL, lowest.Start);
        Assert.False(new ExtraMemory(new PfnRange[2]).TryGetLowest(out _));
    }

    [Fact]
    public void Sorting_puts_regions_in_address_order_and_free_slots_last()
    {
        var storage = new PfnRange[5];
        var extra = new ExtraMemory(storage);
        extra.Add(500, 10);
        extra.Add(100, 10);
        extra.Add(300, 200); // a middle part removed below: the upper part lands in a free slot
        Assert.True(extra.Remove(100, 10));
        Assert.True(extra.Remove(350, 10));
        extra.Sort();
        Assert.Equal(new[] { new PfnRange(300, 50), new PfnRange(360, 140), new PfnRange(500, 10), default, default }, storage);
    }
}
