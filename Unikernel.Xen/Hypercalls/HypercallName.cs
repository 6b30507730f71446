using System;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The names of __HYPERVISOR_* numbers (xen/include/public/xen.h), for failure messages: a failed entry of
    // a multicall is reported by what it was, not by a bare number.
    internal static class HypercallName
    {
        public static ReadOnlySpan<char> Of(ulong number) => (HypercallNumber)number switch
        {
            HypercallNumber.SetTrapTable => "set_trap_table",
            HypercallNumber.MmuUpdate => "mmu_update",
            HypercallNumber.StackSwitch => "stack_switch",
            HypercallNumber.SetCallbacks => "set_callbacks",
            HypercallNumber.MemoryOp => "memory_op",
            HypercallNumber.Multicall => "multicall",
            HypercallNumber.UpdateVaMapping => "update_va_mapping",
            HypercallNumber.SetTimerOp => "set_timer_op",
            HypercallNumber.XenVersion => "xen_version",
            HypercallNumber.ConsoleIo => "console_io",
            HypercallNumber.GrantTableOp => "grant_table_op",
            HypercallNumber.VmAssist => "vm_assist",
            HypercallNumber.Iret => "iret",
            HypercallNumber.VcpuOp => "vcpu_op",
            HypercallNumber.SetSegmentBase => "set_segment_base",
            HypercallNumber.MmuextOp => "mmuext_op",
            HypercallNumber.SchedOp => "sched_op",
            HypercallNumber.CallbackOp => "callback_op",
            HypercallNumber.EventChannelOp => "event_channel_op",
            HypercallNumber.PhysdevOp => "physdev_op",
            _ => "unknown hypercall",
        };
    }
}
