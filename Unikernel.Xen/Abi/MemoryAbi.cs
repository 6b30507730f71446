using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // XENMEM_* commands of the memory_op hypercall, xen/include/public/memory.h.
    internal static class MemoryOp
    {
        public const ulong IncreaseReservation = 0;   // XENMEM_increase_reservation
        public const ulong DecreaseReservation = 1;   // XENMEM_decrease_reservation
        public const ulong CurrentReservation = 3;    // XENMEM_current_reservation
        public const ulong MaximumReservation = 4;    // XENMEM_maximum_reservation
        public const ulong PopulatePhysmap = 6;       // XENMEM_populate_physmap
        public const ulong MemoryMap = 9;             // XENMEM_memory_map
        public const ulong MachineMemoryMap = 10;     // XENMEM_machine_memory_map
    }

    // struct xen_memory_reservation, memory.h.
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct XenMemoryReservation
    {
        [FieldOffset(0)] public ulong ExtentStart;    // extent_start: guest handle to xen_pfn_t[]
        [FieldOffset(8)] public ulong NrExtents;      // nr_extents
        [FieldOffset(16)] public uint ExtentOrder;    // extent_order
        [FieldOffset(20)] public uint MemFlags;       // mem_flags (address_bits)
        [FieldOffset(24)] public ushort DomId;        // domid
    }

    // struct xen_memory_map, memory.h: nr_entries is the buffer's capacity in, the entries written out.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct XenMemoryMap
    {
        [FieldOffset(0)] public uint NrEntries;       // nr_entries
        [FieldOffset(8)] public ulong Buffer;         // buffer: struct e820entry[]
    }
}
