using Unikernel.Core.Time;

namespace Unikernel
{
    /// <summary>
    /// One-shot and repeating timers. A callback runs at or after its deadline, from the event upcall with events
    /// masked: keep it short (set a flag, start another timer) and let the code waiting in
    /// <see cref="Lifecycle.WaitUntil"/> do the work.
    /// </summary>
    public static unsafe class Timers
    {
        /// <summary>How many timers may be pending at once (<see cref="Clock.Sleep(ulong)"/> uses one while it sleeps).</summary>
        public const int Capacity = Xen.VcpuTimer.Capacity;

        /// <summary>
        /// Runs <paramref name="callback"/>(<paramref name="data"/>) once at or after <paramref name="deadline"/>,
        /// in <see cref="Clock.Now"/> nanoseconds. A deadline already past fires at once. More than
        /// <see cref="Capacity"/> pending timers is fatal.
        /// </summary>
        public static TimerHandle StartAt(ulong deadline, delegate*<ulong, void> callback, ulong data) =>
            Xen.VcpuTimer.StartAt(deadline, callback, data);

        /// <summary>Like <see cref="StartAt"/>, <paramref name="nanoseconds"/> from now.</summary>
        public static TimerHandle StartAfter(ulong nanoseconds, delegate*<ulong, void> callback, ulong data) =>
            Xen.VcpuTimer.StartAfter(nanoseconds, callback, data);

        /// <summary>Like the <c>StartAfter</c> above, with the delay as a <see cref="Duration"/>.</summary>
        public static TimerHandle StartAfter(Duration delay, delegate*<ulong, void> callback, ulong data) =>
            Xen.VcpuTimer.StartAfter(delay.Nanoseconds, callback, data);

        /// <summary>
        /// Runs <paramref name="callback"/>(<paramref name="data"/>) every <paramref name="period"/> from now until
        /// <see cref="Cancel"/> (the callback may cancel its own timer). Ticks missed while events were masked
        /// are skipped, not run in a burst. A zero period is fatal.
        /// </summary>
        public static TimerHandle StartEvery(Duration period, delegate*<ulong, void> callback, ulong data) =>
            Xen.VcpuTimer.StartEvery(period.Nanoseconds, callback, data);

        /// <summary>Cancels a pending timer, or stops a repeating one. False when a one-shot timer already fired or it was cancelled before.</summary>
        public static bool Cancel(TimerHandle timer) => Xen.VcpuTimer.Cancel(timer);
    }
}
