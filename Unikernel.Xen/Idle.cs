using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Waiting without spinning. The condition is tested with events masked, and SCHEDOP_block unmasks
    // them atomically with blocking, so an event that makes the condition true cannot slip in between the
    // test and the block (the lost-wakeup race).
    public static unsafe class Idle
    {
        private static ulong s_blocks;

        public static ulong BlockCount => s_blocks;

        // Waits until done(data) is true; event handlers (timers, channels) are what make it true.
        // Events are enabled while waiting and left as they were on return.
        public static void WaitUntil(delegate*<ulong, bool> done, ulong data)
        {
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = ops.SaveFlags();
            while (true)
            {
                ops.IrqDisable();
                if (done(data)) break;
                Block();
            }
            ops.RestoreFlags(flags);
        }

        public static void Sleep(ulong nanoseconds)
        {
            ulong woke = 0;
            Timers.StartAfter(nanoseconds, &SetFlag, (ulong)&woke);
            WaitUntil(&IsSet, (ulong)&woke);
        }

        // Blocks the vCPU until an event arrives; Xen re-enables events and delivers it on the way back.
        public static void Block()
        {
            s_blocks++;
            Panic.Check(Hypercall.SchedOp(XenConstants.SchedOpBlock, null), "sched_op(block)");
        }

        private static void SetFlag(ulong address) => *(ulong*)address = 1;
        private static bool IsSet(ulong address) => *(ulong*)address != 0;
    }
}
