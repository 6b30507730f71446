using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // struct mmu_update, xen/include/public/xen.h: ptr is the machine address of the entry, its low bits
    // the command.
    [StructLayout(LayoutKind.Sequential)]
    internal struct MmuUpdate
    {
        public const ulong NormalPtUpdate = 0;  // MMU_NORMAL_PT_UPDATE
        public const ulong MachPhysUpdate = 1;  // MMU_MACHPHYS_UPDATE
        public ulong Ptr;
        public ulong Val;
    }

    // struct mmuext_op, xen/include/public/xen.h.
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    internal struct MmuextOp
    {
        public const uint NewBasePtr = 5;       // MMUEXT_NEW_BASEPTR: arg1 = mfn of the new L4
        public const uint TlbFlushLocal = 6;    // MMUEXT_TLB_FLUSH_LOCAL
        public const uint InvlpgLocal = 7;      // MMUEXT_INVLPG_LOCAL: arg1 = linear address

        [FieldOffset(0)] public uint Cmd;       // cmd
        [FieldOffset(8)] public ulong Arg1;     // arg1: mfn or linear_addr
        [FieldOffset(16)] public ulong Arg2;    // arg2: nr_ents, vcpumask or src_mfn
    }

    internal static class DomainId
    {
        public const ulong Self = 0x7FF0;       // DOMID_SELF, xen.h
    }
}
