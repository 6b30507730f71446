using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

// The counts libxenguest's map_p2m_tree reads for a given arch.max_pfn (p2m entries).
public class P2mFrameListsTests
{
    [Theory]
    [InlineData(1UL, 1UL, 1UL)]
    [InlineData(512UL, 1UL, 1UL)]
    [InlineData(513UL, 2UL, 1UL)]
    [InlineData(8192UL, 16UL, 1UL)]                 // 32 MiB
    [InlineData(512UL * 512, 512UL, 1UL)]           // 1 GiB: one full mid page
    [InlineData(512UL * 512 + 1, 513UL, 2UL)]
    public void Leaf_and_mid_pages_cover_the_table(ulong entries, ulong leaves, ulong mids)
    {
        var lists = new P2mFrameLists(entries);
        Assert.Equal(leaves, lists.LeafPages);
        Assert.Equal(mids, lists.MidPages);
        Assert.True(lists.Fits);
        // What the save maps: max_pfn = entries - 1; fl_entries = max_pfn / 512 + 1, fll_entries = max_pfn / 512^2 + 1.
        Assert.Equal((entries - 1) / 512 + 1, lists.LeafPages);
        Assert.Equal((entries - 1) / (512 * 512) + 1, lists.MidPages);
    }

    [Fact]
    public void One_top_page_covers_512_GiB_of_pfns()
    {
        Assert.True(new P2mFrameLists(512UL * 512 * 512).Fits);
        Assert.False(new P2mFrameLists(512UL * 512 * 512 + 1).Fits);
        Assert.False(new P2mFrameLists(0).Fits);
        Assert.Equal(1UL, P2mFrameLists.MidPageOf(512));
        Assert.Equal(3UL, P2mFrameLists.MidEntryOf(515));
    }
}
