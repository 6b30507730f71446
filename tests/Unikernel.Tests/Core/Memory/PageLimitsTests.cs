using System.Text;
using Unikernel.Core;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

public class PageLimitsTests
{
    private const ulong Pages512G = 512UL << 30 >> 12;
    private const ulong MaxMemPages = 1UL << 46 >> 12;

    [Fact]
    public void DomU_with_512gb_limit_is_capped_at_512GiB()
    {
        var limits = PageLimits.Compute(nrPages: 0x40000, maxReservation: 0x80000, initialDomain: false, limit512Gb: true);
        Assert.Equal(Pages512G, limits.PagesLimit);
        // A domU's current reservation is not its static maximum; only the limit applies.
        Assert.Equal(Pages512G, limits.MaxPages);
        Assert.Equal(0x40000UL, limits.InitialPages);
        Assert.Equal(0x40000UL << 12, limits.MemEnd);
    }

    [Fact]
    public void DomU_without_the_limit_gets_MAXMEM()
    {
        var limits = PageLimits.Compute(0x40000, 0, initialDomain: false, limit512Gb: false);
        Assert.Equal(MaxMemPages, limits.MaxPages);
        Assert.Equal(MaxMemPages, limits.MaxMemPages);
    }

    [Fact]
    public void Dom0_takes_its_maximum_reservation_and_ignores_the_512gb_option()
    {
        var limits = PageLimits.Compute(0x100000, maxReservation: 0x140000, initialDomain: true, limit512Gb: true);
        Assert.Equal(MaxMemPages, limits.PagesLimit);
        Assert.Equal(0x140000UL, limits.MaxPages);
    }

    [Fact]
    public void Dom0_without_a_maximum_reservation_uses_the_limit()
    {
        var limits = PageLimits.Compute(0x100000, maxReservation: 0, initialDomain: true, limit512Gb: false);
        Assert.Equal(MaxMemPages, limits.MaxPages);
    }

    [Fact]
    public void Initial_pages_are_clamped_to_the_limit()
    {
        var limits = PageLimits.Compute(Pages512G + 5, 0, initialDomain: false, limit512Gb: true);
        Assert.Equal(Pages512G, limits.InitialPages);
    }

    [Fact]
    public void Max_phys_bits_set_MAXMEM()
    {
        var limits = PageLimits.Compute(0x1000, 1UL << 40, initialDomain: true, limit512Gb: false, maxMemBits: 36);
        Assert.Equal(1UL << 24, limits.MaxPages);
    }

    [Theory]
    [InlineData("quiet", true, false, false, true)]
    [InlineData("xen_512gb_limit", false, true, false, true)]
    [InlineData("xen_512gb_limit=0", true, true, false, false)]
    [InlineData("xen_512gb_limit=off", true, true, false, false)]
    [InlineData("xen_512gb_limit=on", false, true, false, true)]
    [InlineData("a xen_512gb_limit=false b", true, true, false, false)]
    [InlineData("xen_512gb_limit=maybe", true, true, true, true)]
    [InlineData("xen_512gb_limit=maybe", false, true, true, false)]
    [InlineData("xen_512gb_limit=1 xen_512gb_limit=0", true, true, false, false)]
    public void The_512gb_option_parses_like_linux(string cmdline, bool defaultValue, bool found, bool bad, bool value)
    {
        var option = new KernelCommandLine(Encoding.ASCII.GetBytes(cmdline)).GetBool("xen_512gb_limit", defaultValue);
        Assert.Equal((found, bad, value), (option.Found, option.BadValue, option.Value));
    }
}
