using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // What a PV kernel tells Xen when it switches tasks, issued as one multicall (as Linux's xen_end_context_switch
    // batches its part): the kernel stack for entries from user mode (stack_switch), the TLS base
    // (set_segment_base SEGBASE_FS) and the new page-table root (mmuext_op MMUEXT_NEW_BASEPTR). Three
    // hypercalls' work for one hypervisor entry.
    internal static class ContextSwitch
    {
        public static void Switch(ulong kernelStackTop, ulong fsBase, ulong rootMachineAddress)
        {
            Multicalls.EnterLazy();
            Multicalls.QueueStackSwitch(XenConstants.FlatKernelSs, kernelStackTop);
            Multicalls.QueueSetSegmentBase(XenConstants.SegbaseFs, fsBase);
            Multicalls.QueueMmuextOp(MmuextOp.NewBasePtr, rootMachineAddress >> XenConstants.PageShift);
            Multicalls.LeaveLazy();
            // Inside a caller's lazy section LeaveLazy issues nothing yet; the root must be loaded before we
            // record it, so issue now (in order, after whatever the caller queued). A failure is fatal and named.
            Multicalls.Flush();
            XenParavirt.RootChanged(rootMachineAddress);
        }
    }
}
