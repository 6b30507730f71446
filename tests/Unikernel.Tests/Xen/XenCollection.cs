namespace Unikernel.Tests.Xen;

// Boot tests each run a whole QEMU with one vCPU, which keeps one host core busy. On two cores they run in two
// lanes, each one QEMU at a time: this one (images booted directly, the tools, libvirt and the longest xl
// scenarios) and XlScenarioCollection (the other xl scenarios); the host-only tests share the cores with them.
[CollectionDefinition(Name)]
public sealed class XenCollection
{
    public const string Name = "Xen boots";
}

// The second lane of Xen boots (see XenCollection): xl scenarios that use only the images built before the
// tests, so nothing they read is rebuilt by the other lane.
[CollectionDefinition(Name)]
public sealed class XlScenarioCollection
{
    public const string Name = "Xl scenarios";
}
