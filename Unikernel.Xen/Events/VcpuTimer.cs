using Unikernel.Core.Paravirt;
using Unikernel.Core.Time;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // One-shot and repeating timers on Xen's single per-vCPU timer: set_timer_op arms it for the earliest deadline and
    // VIRQ_TIMER reports it fired. Callbacks run in the upcall with events masked, never before their
    // deadline (an early VIRQ only re-arms).
    internal static unsafe class VcpuTimer
    {
        public const int Capacity = 32;

        private struct Slots { public fixed byte Bytes[Capacity * 40]; } // TimerSlot[Capacity]

        private static Slots s_slots;
        private static TimerQueue s_queue;
        private static ulong s_armed; // deadline given to Xen, 0 when disarmed
        private static ulong s_fired;

        public static ulong VirqCount => s_fired;

        internal static void Initialize()
        {
            if (sizeof(TimerSlot) * Capacity > sizeof(Slots)) Panic.Fail("timer slot storage too small");
            fixed (byte* slots = s_slots.Bytes) s_queue = new TimerQueue((TimerSlot*)slots, Capacity);
            EventChannels.BindVirq(Virq.Timer, &OnTimer, 0);
        }

        // Runs callback(data) once at or after the absolute deadline (PvClock.Now nanoseconds).
        public static TimerHandle StartAt(ulong deadline, delegate*<ulong, void> callback, ulong data) => Start(deadline, 0, callback, data);

        // Runs callback(data) every period nanoseconds from now until cancelled.
        public static TimerHandle StartEvery(ulong period, delegate*<ulong, void> callback, ulong data)
        {
            if (period == 0) Panic.Fail("timers: a repeating timer needs a period above zero");
            return Start(PvClock.Now + period, period, callback, data);
        }

        private static TimerHandle Start(ulong deadline, ulong period, delegate*<ulong, void> callback, ulong data)
        {
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = Paravirt.IrqSave();
            if (!s_queue.TryStart(deadline, period, callback, data, out TimerHandle handle))
                Panic.Fail("timers: all 32 timer slots are in use");
            Arm();
            ops.RestoreFlags(flags);
            return handle;
        }

        public static TimerHandle StartAfter(ulong nanoseconds, delegate*<ulong, void> callback, ulong data) =>
            StartAt(PvClock.Now + nanoseconds, callback, data);

        public static bool Cancel(TimerHandle handle)
        {
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = Paravirt.IrqSave();
            bool cancelled = s_queue.Cancel(handle);
            Arm();
            ops.RestoreFlags(flags);
            return cancelled;
        }

        private static void OnTimer(uint port, ulong data)
        {
            s_fired++;
            s_armed = 0;
            s_queue.RunExpired(PvClock.Now);
            Arm();
        }

        // A new domain has no VIRQ binding and no timer armed: bind again and give Xen the earliest deadline
        // (timers whose deadline passed while suspended fire at once). After a cancelled suspend only re-arm.
        internal static void Resume(bool newDomain)
        {
            if (newDomain) EventChannels.BindVirq(Virq.Timer, &OnTimer, 0);
            s_armed = 0;
            Arm();
        }

        // Gives Xen the earliest deadline; a deadline already past fires at once.
        private static void Arm()
        {
            ulong earliest = s_queue.EarliestDeadline;
            if (earliest == ulong.MaxValue || earliest == s_armed) return;
            Panic.Check(Hypercall.Invoke(HypercallNumber.SetTimerOp, PvClock.ToSystemTime(earliest)), "set_timer_op");
            s_armed = earliest;
        }
    }
}
