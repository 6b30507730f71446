using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // struct trap_info, xen/include/public/arch-x86/xen.h. A zero address ends the table.
    [StructLayout(LayoutKind.Sequential)]
    internal struct TrapInfo
    {
        public byte Vector;      // vector
        public byte Flags;       // flags: bits 0-1 DPL, bit 2 mask events on entry (TI_SET_IF clear)
        public ushort Cs;        // cs
        public ulong Address;    // address

        public const ushort FlatKernelCs = 0xe033; // FLAT_KERNEL_CS64, arch-x86/xen-x86_64.h
    }
}
