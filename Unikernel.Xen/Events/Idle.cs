using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Waiting without spinning. The condition is tested with events masked, and SCHEDOP_block unmasks
    // them atomically with blocking, so an event that makes the condition true cannot slip in between the
    // test and the block (the lost-wakeup race).
    internal static unsafe class Idle
    {
        public const int MaxPollers = 4;

        private static ulong s_blocks, s_blockedCycles;
        private static bool s_kicked, s_polling;
        private static Pollers s_pollers;

        private struct Pollers { public fixed ulong Functions[MaxPollers]; } // delegate*<void>

        public static ulong BlockCount => s_blocks;
        public static ulong BlockedNanoseconds => PvClock.CyclesToNanoseconds(s_blockedCycles); // time spent blocked: what the domain left to others

        // Work an event handler cannot do itself (it runs with events masked, on the interrupted stack):
        // the handler calls Kick, and every poller runs at the next idle point with events enabled.
        public static void AddPoller(delegate*<void> poller)
        {
            for (int i = 0; i < MaxPollers; i++)
            {
                if (s_pollers.Functions[i] != 0) continue;
                s_pollers.Functions[i] = (ulong)poller;
                return;
            }
            Panic.Fail("idle: more than 4 pollers");
        }

        public static void Kick() => s_kicked = true;

        // Waits until done(data) is true; event handlers (timers, channels) are what make it true, and
        // pollers run while waiting. Events are enabled while waiting and left as they were on return.
        // Not from an event handler or timer callback: what names the wait in the panic that says so.
        public static void WaitUntil(delegate*<ulong, bool> done, ulong data, string what)
        {
            if (EventChannels.InHandler) RefuseInHandler(what);
            Wait(done, data);
        }

        private static void RefuseInHandler(string what)
        {
            var text = new Core.Text.TextBuilder(stackalloc char[192]);
            text.Append($"{what} inside an event handler or timer callback: callbacks must not wait (it would re-enter the handler on its own stack); do the work in the main loop");
            Panic.Fail(text.Text);
        }

        private static void Wait(delegate*<ulong, bool> done, ulong data)
        {
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = ops.SaveFlags();
            // Kicked work runs once before the condition is first tested: a caller whose condition is always
            // true (a loop that always finds something to do) must not starve the pollers, or packets and
            // xenstore replies stop. After that the condition comes first, so work that keeps arriving
            // cannot starve the caller either.
            bool polled = false;
            while (true)
            {
                ops.IrqDisable();
                if (polled && done(data)) break;
                if (s_kicked && !s_polling)
                {
                    s_kicked = false;
                    ops.IrqEnable();
                    RunPollers();
                    polled = true;
                    continue;
                }
                if (!polled && done(data)) break;
                polled = true;
                // Idle time first finishes the allocator's deferred bitmaps, a slice at a time, events masked.
                if (FramePool.InitializeSome())
                {
                    ops.IrqEnable();
                    continue;
                }
                Block();
            }
            ops.RestoreFlags(flags);
        }

        // A poller may wait itself (a xenstore request); pollers do not nest.
        private static void RunPollers()
        {
            s_polling = true;
            for (int i = 0; i < MaxPollers; i++)
                if (s_pollers.Functions[i] != 0) ((delegate*<void>)s_pollers.Functions[i])();
            s_polling = false;
        }

        public static void Sleep(ulong nanoseconds)
        {
            ulong woke = 0;
            if (EventChannels.InHandler) RefuseInHandler("Clock.Sleep"); // before a timer slot is taken
            VcpuTimer.StartAfter(nanoseconds, &SetFlag, (ulong)&woke);
            Wait(&IsSet, (ulong)&woke);
        }

        // Blocks the vCPU until an event arrives; Xen re-enables events and delivers it on the way back.
        public static void Block()
        {
            s_blocks++;
            ulong start = PvClock.ReadTsc(); // cycles here, converted when read: Hello's code stays within its pages
            Panic.Check(Hypercall.SchedOp(XenConstants.SchedOpBlock, null), "sched_op(block)");
            s_blockedCycles += PvClock.ReadTsc() - start;
        }

        private static void SetFlag(ulong address) => *(ulong*)address = 1;
        private static bool IsSet(ulong address) => *(ulong*)address != 0;
    }
}
