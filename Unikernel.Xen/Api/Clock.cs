namespace Unikernel
{
    /// <summary>
    /// Time, in nanoseconds, as Xen publishes it in shared memory (reading it costs no hypercall).
    /// </summary>
    public static class Clock
    {
        /// <summary>Nanoseconds in a millisecond.</summary>
        public const ulong NanosecondsPerMillisecond = 1_000_000;

        /// <summary>Nanoseconds in a second.</summary>
        public const ulong NanosecondsPerSecond = Xen.PvClock.NanosecondsPerSecond;

        /// <summary>
        /// Monotonic time: nanoseconds since the host booted (Xen system time). Never goes back; use it for
        /// deadlines, timeouts and measuring intervals.
        /// </summary>
        public static ulong Now => Xen.PvClock.Now;

        /// <summary>
        /// Wall-clock time: nanoseconds since the Unix epoch (1970-01-01 UTC), as the host set it. It may jump
        /// when the host's clock is set; do not use it for intervals.
        /// </summary>
        public static ulong WallClock => Xen.PvClock.WallClock;

        /// <summary>Waits at least <paramref name="nanoseconds"/> without spinning; uses one timer slot meanwhile.</summary>
        public static void Sleep(ulong nanoseconds) => Xen.Idle.Sleep(nanoseconds);

        /// <summary>Like <see cref="Sleep(ulong)"/>, for a <see cref="Duration"/>: <c>Clock.Sleep(Duration.FromMilliseconds(10))</c>.</summary>
        public static void Sleep(Duration duration) => Xen.Idle.Sleep(duration.Nanoseconds);
    }
}
