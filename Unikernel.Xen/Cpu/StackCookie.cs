using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // ilc's stack-buffer cookie (__security_cookie), random per boot so an overflow cannot forge it: RDRAND
    // where CPUID offers it, else the TSC mixed with the wall clock and what differs between domains
    // (start_info's frames). Set by the boot sequence itself: only _start and the platform entry are on the
    // stack then, and they never return, so no check ever compares against the old value.
    internal static unsafe class StackCookie
    {
        private const uint Cpuid1EcxRdrand = 1u << 30; // CPUID.01H:ECX.RDRAND

        public static bool FromRdrand { get; private set; }

        // Needs shared_info mapped (the wall clock).
        internal static void Randomize(StartInfo* startInfo)
        {
            ulong value = 0;
            CpuidResult leaf1;
            XenParavirt.XenCpuid(1, 0, &leaf1);
            if ((leaf1.Ecx & Cpuid1EcxRdrand) != 0)
                for (int i = 0; i < 10 && !FromRdrand; i++) FromRdrand = Rdrand(&value) && value != 0;
            if (!FromRdrand)
                value = Mix(PvClock.ReadTsc() ^ Mix(PvClock.WallClock ^ Mix(startInfo->StoreMfn ^ (startInfo->ConsoleMfn << 20) ^ startInfo->SharedInfo ^ startInfo->PtBase)));
            *CookieAddress() = value | 1; // never 0
        }

        // splitmix64's finaliser: every input bit reaches every output bit.
        private static ulong Mix(ulong x)
        {
            x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
            x ^= x >> 27; x *= 0x94d049bb133111eb;
            return x ^ (x >> 31);
        }

        internal static ulong Value => *CookieAddress();

        [RuntimeImport("uk_security_cookie_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong* CookieAddress();

        [RuntimeImport("uk_rdrand")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern bool Rdrand(ulong* value);
    }
}
