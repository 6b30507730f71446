using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Tools.Ukboot.Run;

// Every QEMU the project starts (dom0-direct boots and the xl environment alike go through XenBoot) has no
// network device: nothing a test does can leave the emulated machine.
public class QemuArgumentsTests
{
    [Fact]
    public void Every_boot_has_no_network_device()
    {
        foreach (bool icount in new[] { true, false })
        {
            var args = XenBoot.QemuArguments(new BootOptions { Image = "guest.elf", Icount = icount, CpuModel = icount ? null : "qemu64,+rdrand" }, "xen");
            int nic = args.IndexOf("-nic");
            Assert.True(nic >= 0 && args[nic + 1] == "none", string.Join(' ', args));
            Assert.DoesNotContain(args, a => a.StartsWith("-netdev") || a == "-net" || a.Contains("user,"));
        }
    }

    [Fact]
    public void Icount_takes_the_shift_asked_for()
    {
        var args = XenBoot.QemuArguments(new BootOptions { Image = "guest.elf", IcountShift = 3 }, "xen");
        Assert.Equal("shift=3,sleep=off", args[args.IndexOf("-icount") + 1]);
        Assert.DoesNotContain("-icount", XenBoot.QemuArguments(new BootOptions { Image = "guest.elf", Icount = false }, "xen"));
    }
}
