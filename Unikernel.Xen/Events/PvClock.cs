using System.Runtime;
using System.Runtime.CompilerServices;
using System.Threading;
using Unikernel.Core.Time;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Time as Xen publishes it: vcpu_time_info gives system time (ns since the host booted) at a TSC stamp
    // plus the TSC scale; shared_info gives the wall-clock time at system time 0. Both are read with the
    // version protocol: an odd version, or one that changed during the read, means Xen was updating.
    internal static unsafe class PvClock
    {
        public const ulong NanosecondsPerSecond = 1_000_000_000;

        // Added to Xen's system time so that Now never goes back: a restored or migrated domain reads the
        // new host's system time, which may be behind the old one's.
        private static ulong s_offset;

        // Monotonic nanoseconds (Xen system time, plus the offset).
        public static ulong Now => SystemTime + s_offset;

        // A deadline in Now's terms as Xen's set_timer_op takes it (1: already due).
        public static ulong ToSystemTime(ulong deadline) => deadline > s_offset ? deadline - s_offset : 1;

        // After a resume: from here on Now continues from at least `before` (Now before the suspend).
        internal static void ContinueFrom(ulong before)
        {
            ulong system = SystemTime;
            if (system + s_offset < before) s_offset = before - system;
        }

        // Xen's system time: ns since the host booted.
        private static ulong SystemTime
        {
            get
            {
                VcpuTimeInfo* info = &SharedInfoPage.Page->Vcpu0.Time;
                while (true)
                {
                    uint version = Volatile.Read(ref info->Version);
                    if ((version & 1) != 0) continue;
                    ulong stamp = info->TscTimestamp, system = info->SystemTime;
                    uint multiplier = info->TscToSystemMul;
                    sbyte shift = info->TscShift;
                    ulong tsc = ReadTsc();
                    if (Volatile.Read(ref info->Version) != version) continue;
                    return system + TscScale.ToNanoseconds(tsc - stamp, multiplier, shift);
                }
            }
        }

        // A TSC interval in nanoseconds, at the scale Xen publishes now.
        public static ulong CyclesToNanoseconds(ulong cycles)
        {
            VcpuTimeInfo* info = &SharedInfoPage.Page->Vcpu0.Time;
            while (true)
            {
                uint version = Volatile.Read(ref info->Version);
                if ((version & 1) != 0) continue;
                uint multiplier = info->TscToSystemMul;
                sbyte shift = info->TscShift;
                if (Volatile.Read(ref info->Version) == version) return TscScale.ToNanoseconds(cycles, multiplier, shift);
            }
        }

        // Nanoseconds since the Unix epoch.
        public static ulong WallClock
        {
            get
            {
                SharedInfo* shared = SharedInfoPage.Page;
                while (true)
                {
                    uint version = Volatile.Read(ref shared->WcVersion);
                    if ((version & 1) != 0) continue;
                    ulong seconds = ((ulong)shared->WcSecHi << 32) | shared->WcSec;
                    ulong nanoseconds = shared->WcNsec;
                    if (Volatile.Read(ref shared->WcVersion) != version) continue;
                    return seconds * NanosecondsPerSecond + nanoseconds + SystemTime;
                }
            }
        }

        [RuntimeImport("uk_rdtsc")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern ulong ReadTsc();
    }
}
