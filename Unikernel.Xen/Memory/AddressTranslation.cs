using System.Runtime.CompilerServices;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Translation between the three kinds of address a PV guest handles: virtual (pseudo-physical frame n
    // is mapped at n << 12, VIRT_BASE 0, Xen's start-of-day layout that the linear map extends), pseudo-
    // physical (to machine through the p2m) and machine (back to pseudo-physical through Xen's read-only
    // M2P table).
    internal static unsafe class AddressTranslation
    {
        public const ulong PageSize = 1UL << XenConstants.PageShift;

        public static ulong MachineToPhysicalFrame(ulong mfn) => ((ulong*)XenConstants.Mach2PhysVirtStart)[mfn];

        public static void* MachineFrameToVirtual(ulong mfn) => (void*)(MachineToPhysicalFrame(mfn) << XenConstants.PageShift);

        // Machine address behind a virtual address of the linear mapping (virtual = pseudo-physical).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong VirtualToMachine(ulong virtualAddress) =>
            (P2m.MachineFrame(virtualAddress >> XenConstants.PageShift) << XenConstants.PageShift) | (virtualAddress & (PageSize - 1));
    }
}
