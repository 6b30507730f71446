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

        // Monotonic nanoseconds (Xen system time).
        public static ulong Now
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
                    return seconds * NanosecondsPerSecond + nanoseconds + Now;
                }
            }
        }

        [RuntimeImport("uk_rdtsc")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern ulong ReadTsc();
    }
}
