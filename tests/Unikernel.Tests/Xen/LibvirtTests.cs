using System.IO;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// The Appliance under libvirt (issue 17): Debian's libvirtd with its Xen (libxl) driver in the test dom0
// (XlScenario.Libvirt), the sample's appliance.xml as shipped, and virsh create, console, save, restore and
// shutdown.
public sealed class LibvirtFixture
{
    public const string Script = XlScenario.ConsoleHelpers + XlScenario.LibvirtHelpers + """
        mount -t tmpfs -o size=160m tmpfs /tmp
        step libvirtd start_libvirtd || exit 1
        step install-image cp appliance.elf /var/lib/libvirt/images/appliance.elf
        step create virsh create appliance.xml || exit 1
        step list virsh list
        step ready wait_console appliance "appliance ready" 60
        step console-set virsh_console appliance 'set a 1\rset b 2\rset c three\rget c\r' "value three" /tmp/console-1.txt
        step save virsh save appliance /tmp/appliance.save
        step list-after-save virsh list --all
        step restore virsh restore /tmp/appliance.save
        step rm-save rm /tmp/appliance.save
        step resumed wait_console appliance "# appliance: resumed (restored) with 3 keys" 60
        step console-get virsh_console appliance 'get a\rget b\rkeys\r' "keys 3:" /tmp/console-2.txt
        step shutdown virsh shutdown appliance
        step gone wait_gone appliance 60
        step list-after-shutdown virsh list --all
        step net-xml sh -c "sed '/<!-- Network/,/-->/{/<!-- Network/d;/-->/d}' appliance.xml > /tmp/appliance-net.xml"
        step create-net virsh create /tmp/appliance-net.xml
        step net-listening wait_console appliance "listening on 169.254.0.2:6379" 60
        step net-ping timeout 30 redis-cli -h 169.254.0.2 ping
        step shutdown-net virsh shutdown appliance
        step gone-net wait_gone appliance 60
        """;

    public XlResult Run { get; }

    public LibvirtFixture()
    {
        // libvirtd, its libraries and a save image beside the appliance in dom0's memory.
        var scenario = XlAsserts.Scenario(Script, 420, "libvirt.log", dom0MemoryMiB: 384, qemuMemoryMiB: 768, libvirt: true);
        scenario.Guests.Add(XlAsserts.ApplianceGuest());
        scenario.Files.Add(new XlFile("appliance.xml", Path.Combine(Repo.Root, "samples", "Appliance", "appliance.xml")));
        Run = XlSession.Run(scenario);
    }
}

[Collection(XenCollection.Name)]
public class LibvirtTests(LibvirtFixture fixture) : IClassFixture<LibvirtFixture>
{
    private readonly XlResult _run = fixture.Run;

    [Fact]
    public void Virsh_runs_the_appliance_from_its_domain_xml_through_libvirtd()
    {
        _run.AssertStepOk("libvirtd");
        _run.AssertStepOk("create");
        Assert.Matches(@"(?m)^\s*\d+\s+appliance\s+running", _run.AssertStepOk("list"));
        _run.AssertStepOk("ready");
    }

    // Typed through `virsh console` (libvirtd relays the guest's pty), answered there.
    [Fact]
    public void Virsh_console_reaches_the_appliance()
    {
        string console = _run.AssertStepOk("console-set");
        Assert.Contains("Connected to domain", console);
        Assert.Contains("value three", console);
    }

    // virsh save stops the domain; virsh restore brings it back with its keys, which virsh console reads.
    [Fact]
    public void Virsh_save_and_restore_keep_the_keys()
    {
        _run.AssertStepOk("save");
        Assert.DoesNotMatch(@"(?m)^\s*\S+\s+appliance\s", _run.AssertStepOk("list-after-save"));
        _run.AssertStepOk("restore");
        _run.AssertStepOk("resumed");
        string console = _run.AssertStepOk("console-get");
        Assert.Contains("value 1", console);
        Assert.Contains("value 2", console);
        Assert.Matches(@"keys 3:( [abc]){3}", console);
        Assert.Contains("# appliance: suspending with 3 keys", _run.GuestConsole("appliance"));
    }

    // virsh shutdown asks the guest; its shutdown hook runs and the domain is gone (libvirt too forgets it).
    [Fact]
    public void Virsh_shutdown_runs_the_shutdown_hook_and_the_domain_goes()
    {
        _run.AssertStepOk("shutdown");
        _run.AssertStepOk("gone");
        Assert.DoesNotMatch(@"(?m)^\s*\S+\s+appliance\s", _run.AssertStepOk("list-after-shutdown"));
        Assert.Contains("# appliance: goodbye (power off); 3 keys lost (memory only)", _run.GuestConsole("appliance"));
    }

    // The XML's commented-out interface, enabled: libvirt puts the vif on the bridge with the address, and the
    // appliance serves the Redis protocol there.
    [Fact]
    public void The_domain_xml_interface_gives_the_appliance_its_network()
    {
        _run.AssertStepOk("create-net");
        _run.AssertStepOk("net-listening");
        Assert.Equal("PONG", _run.AssertStepOk("net-ping").Trim());
        _run.AssertStepOk("shutdown-net");
        _run.AssertStepOk("gone-net");
    }
}
