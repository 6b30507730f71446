using Unikernel.Core;
using Unikernel.Core.Time;

namespace Unikernel.Xen
{
    // TSC stamps at the end of each boot phase, printed as microseconds since the platform's entry when the
    // command line has uk.boottime: "boottime: console=.. statics=.. events=.. xenstore=.. memory=.. main=.. us".
    internal static unsafe class BootTimeline
    {
        public const int Entry = 0, Console = 1, Statics = 2, Events = 3, XenStore = 4, Memory = 5, Main = 6;
        private const int Phases = 7;

        private struct Stamps { public fixed ulong Tsc[Phases]; }
        private static Stamps s_stamps;

        public static void Mark(int phase) => s_stamps.Tsc[phase] = PvClock.ReadTsc();

        // Microseconds from the entry to the end of phase (needs shared_info mapped: the TSC scale).
        public static ulong Microseconds(int phase)
        {
            var time = &SharedInfoPage.Page->Vcpu0.Time;
            return TscScale.ToNanoseconds(s_stamps.Tsc[phase] - s_stamps.Tsc[Entry], time->TscToSystemMul, time->TscShift) / 1000;
        }

        public static void PrintIfAsked()
        {
            if (!new KernelCommandLine(Domain.CommandLine).Contains("uk.boottime")) return;
            Unikernel.Console.WriteLine($"boottime: console={Microseconds(Console)} statics={Microseconds(Statics)} events={Microseconds(Events)} xenstore={Microseconds(XenStore)} memory={Microseconds(Memory)} main={Microseconds(Main)} us");
        }
    }
}
