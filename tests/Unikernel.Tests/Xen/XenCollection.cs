namespace Unikernel.Tests.Xen;

// Boot tests each run a whole QEMU; on two cores they run one at a time, beside the host-only tests.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class XenCollection
{
    public const string Name = "Xen boots";
}
