using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Address translation for the start-of-day mapping Xen builds: pseudo-physical frame n is mapped at
    // virtual n << 12 (VIRT_BASE is 0), and the read-only M2P table maps machine frames back to pfns.
    internal static unsafe class Memory
    {
        public const ulong PageSize = 1UL << XenConstants.PageShift;

        public static ulong MachineToPhysicalFrame(ulong mfn) => ((ulong*)XenConstants.Mach2PhysVirtStart)[mfn];

        public static void* MachineFrameToVirtual(ulong mfn) => (void*)(MachineToPhysicalFrame(mfn) << XenConstants.PageShift);

        public static ulong PhysicalToMachineFrame(ulong pfn) => PhysicalMemory.MachineFrame(pfn);

        // Machine address behind a virtual address of the start-of-day mapping (virtual = pseudo-physical).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static ulong VirtualToMachine(ulong virtualAddress) =>
            (PhysicalToMachineFrame(virtualAddress >> XenConstants.PageShift) << XenConstants.PageShift) | (virtualAddress & (PageSize - 1));

        // Removes the mapping of one page so any access to it faults (page 0, the stack guard page).
        public static void Unmap(ulong virtualAddress, string what) =>
            Panic.Check(Hypercall.UpdateVaMapping(virtualAddress, 0, XenConstants.UvmfInvlpg), what);
    }
}
