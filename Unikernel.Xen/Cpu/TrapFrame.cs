using System.Runtime.InteropServices;

namespace Unikernel.Xen
{
    // What uk_trap_common (Unikernel.Boot/asm/traps.S) leaves on the stack, lowest address first.
    [StructLayout(LayoutKind.Sequential)]
    internal struct TrapFrame
    {
        public ulong R15, R14, R13, R12, R11, R10, R9, R8, Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
        public ulong Vector, ErrorCode;
        public ulong Rip, Cs, Rflags, Rsp, Ss;   // the hardware frame Xen bounced to us
    }
}
