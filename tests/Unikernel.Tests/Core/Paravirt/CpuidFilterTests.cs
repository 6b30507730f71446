using System;
using System.Runtime.InteropServices;
using Unikernel.Core.Paravirt;

namespace Unikernel.Tests.Core.Paravirt;

public class CpuidFilterTests
{
    [Fact]
    public void Leaf_1_hides_what_a_pv_guest_cannot_use_and_keeps_the_rest()
    {
        var result = new CpuidResult { Eax = 0x663, Ebx = 0x800, Ecx = uint.MaxValue, Edx = uint.MaxValue };
        CpuidFilter.Apply(1, ref result);
        Assert.Equal(0u, result.Ecx & CpuidFilter.HiddenLeaf1Ecx);
        Assert.Equal(0u, result.Edx & CpuidFilter.HiddenLeaf1Edx);
        Assert.Equal(~CpuidFilter.HiddenLeaf1Ecx, result.Ecx);
        Assert.Equal(~CpuidFilter.HiddenLeaf1Edx, result.Edx);
        Assert.Equal(0x663u, result.Eax);
    }

    [Fact]
    public void Topology_and_mwait_leaves_are_suppressed_and_others_untouched()
    {
        var topology = new CpuidResult { Eax = 1, Ebx = 2, Ecx = 3, Edx = 4 };
        CpuidFilter.Apply(0xb, ref topology);
        Assert.Equal((1u, 0u, 3u, 4u), (topology.Eax, topology.Ebx, topology.Ecx, topology.Edx));
        var mwait = new CpuidResult { Eax = 0x40, Ebx = 0x40, Ecx = 3, Edx = 0x1120 };
        CpuidFilter.Apply(5, ref mwait);
        Assert.Equal(default, mwait);
        var vendor = new CpuidResult { Eax = 0xd, Ebx = 0x756e6547, Ecx = 0x6c65746e, Edx = 0x49656e69 };
        var copy = vendor;
        CpuidFilter.Apply(0, ref vendor);
        Assert.Equal(copy, vendor);
    }
}
