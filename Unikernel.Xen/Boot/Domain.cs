using System;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Facts about this domain and how it ends.
    internal static unsafe class Domain
    {
        private static StartInfo* s_startInfo;

        internal static void Initialize(StartInfo* startInfo) => s_startInfo = startInfo;

        public static StartInfo* StartInfo => s_startInfo;
        public static bool IsInitialDomain => s_startInfo->IsInitialDomain;
        public static ulong PageCount => s_startInfo->NrPages;

        // The guest command line as given to Xen (dom0: the module string after the image name).
        public static ReadOnlySpan<byte> CommandLine
        {
            get
            {
                byte* p = s_startInfo->CmdLine;
                int n = 0;
                while (n < Abi.StartInfo.MaxGuestCmdline && p[n] != 0) n++;
                return new ReadOnlySpan<byte>(p, n);
            }
        }

        public static void PowerOff() => Shutdown(XenConstants.ShutdownPowerOff);

        public static void Crash() => Shutdown(XenConstants.ShutdownCrash);

        // SCHEDOP_shutdown does not return on success.
        internal static void Shutdown(uint reason)
        {
            XenConsole.BoundWaits(); // a stalled console must not keep the domain from ending
            XenConsole.Flush();
            uint shutdownReason = reason; // struct sched_shutdown { unsigned int reason; }
            Hypercall.SchedOp(XenConstants.SchedOpShutdown, &shutdownReason);
            Internal.Runtime.Fatal.Fail("SCHEDOP_shutdown returned");
        }
    }
}
