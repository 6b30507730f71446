namespace Unikernel
{
    /// <summary>
    /// A length of time with its unit in its name, for <see cref="Clock.Sleep(Duration)"/> and <see cref="Timers"/>:
    /// <c>Duration.FromMilliseconds(250)</c> rather than a bare count of nanoseconds. Arithmetic past the range
    /// of <see cref="ulong"/> nanoseconds (about 584 years) is fatal, never a wrap.
    /// </summary>
    public readonly struct Duration
    {
        /// <summary>The length in nanoseconds, the unit of <see cref="Clock.Now"/>.</summary>
        public ulong Nanoseconds { get; }

        private Duration(ulong nanoseconds) => Nanoseconds = nanoseconds;

        /// <summary>No time at all.</summary>
        public static Duration Zero => default;

        /// <summary>A duration of <paramref name="nanoseconds"/> nanoseconds.</summary>
        public static Duration FromNanoseconds(ulong nanoseconds) => new(nanoseconds);

        /// <summary>A duration of <paramref name="microseconds"/> microseconds.</summary>
        public static Duration FromMicroseconds(ulong microseconds) => new(Scale(microseconds, 1_000));

        /// <summary>A duration of <paramref name="milliseconds"/> milliseconds.</summary>
        public static Duration FromMilliseconds(ulong milliseconds) => new(Scale(milliseconds, 1_000_000));

        /// <summary>A duration of <paramref name="seconds"/> seconds.</summary>
        public static Duration FromSeconds(ulong seconds) => new(Scale(seconds, 1_000_000_000));

        /// <summary>Whole milliseconds in this duration (rounded down).</summary>
        public ulong TotalMilliseconds => Nanoseconds / 1_000_000;

        /// <summary>The sum of two durations.</summary>
        public static Duration operator +(Duration a, Duration b) =>
            a.Nanoseconds > ulong.MaxValue - b.Nanoseconds ? Overflow() : new(a.Nanoseconds + b.Nanoseconds);

        /// <summary>The time between two readings of <see cref="Clock.Now"/>, later first.</summary>
        public static Duration Between(ulong earlier, ulong later) =>
            later < earlier ? Overflow() : new(later - earlier);

        private static ulong Scale(ulong count, ulong unit) => count > ulong.MaxValue / unit ? Overflow().Nanoseconds : count * unit;

        private static Duration Overflow()
        {
            Xen.Panic.Fail("Duration: beyond the range of 64-bit nanoseconds (or a later time before an earlier one)");
            return default;
        }
    }
}
