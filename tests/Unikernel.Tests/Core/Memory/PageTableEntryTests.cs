using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

public class PageTableEntryTests
{
    [Theory]
    [InlineData(0x0000_0000_0010_0000UL, 1, 256)]
    [InlineData(0x0000_0000_0020_0000UL, 2, 1)]
    [InlineData(0x0000_0000_4000_0000UL, 3, 1)]
    [InlineData(0x0000_0080_0000_0000UL, 4, 1)]
    [InlineData(0x0000_7fff_ffff_f000UL, 1, 511)]
    [InlineData(0x0000_7fff_ffff_f000UL, 4, 255)]
    public void Index_takes_nine_bits_per_level(ulong address, int level, int expected) =>
        Assert.Equal(expected, PageTableEntry.Index(address, level));

    [Fact]
    public void Make_and_frame_round_trip_and_keep_nx()
    {
        ulong entry = PageTableEntry.Make(0x12345, PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.NoExecute);
        Assert.Equal(0x12345UL, PageTableEntry.Frame(entry));
        Assert.Equal(PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.NoExecute, PageTableEntry.Flags(entry));
    }

    [Fact]
    public void Setup_updates_never_make_a_read_only_page_writable()
    {
        ulong readOnly = PageTableEntry.Make(7, PageTableEntry.Present);
        ulong wanted = PageTableEntry.Make(7, PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.NoExecute);
        Assert.Equal(PageTableEntry.Make(7, PageTableEntry.Present | PageTableEntry.NoExecute), PageTableEntry.ForSetup(readOnly, wanted));
        ulong writable = PageTableEntry.Make(7, PageTableEntry.Present | PageTableEntry.Writable);
        Assert.Equal(wanted, PageTableEntry.ForSetup(writable, wanted));
        Assert.Equal(wanted, PageTableEntry.ForSetup(0, wanted)); // nothing mapped yet
    }

    [Fact]
    public void Spans_grow_by_512_per_level()
    {
        Assert.Equal(4096UL, PageTableEntry.Span(1));
        Assert.Equal(2UL << 20, PageTableEntry.Span(2));
        Assert.Equal(1UL << 30, PageTableEntry.Span(3));
        Assert.Equal(512UL << 30, PageTableEntry.Span(4));
    }
}
