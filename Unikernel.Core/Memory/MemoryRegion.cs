using System.Runtime.InteropServices;

namespace Unikernel.Core.Memory
{
    // One e820 entry. Packed to 20 bytes like Xen's struct e820entry, so the hypercall can fill
    // a span of these directly.
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct MemoryRegion
    {
        public ulong Address;
        public ulong Size;
        public MemoryType Type;

        public MemoryRegion(ulong address, ulong size, MemoryType type)
        {
            Address = address;
            Size = size;
            Type = type;
        }

        // Only meaningful once validated: Address + Size does not wrap.
        public ulong End => Address + Size;

        public bool IsRam => Type == MemoryType.Ram;
    }
}
