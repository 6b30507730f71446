namespace Unikernel.Core.Memory
{
    // A byte range of guest-physical memory, e.g. the kernel image or the initial module.
    public struct PhysicalRange
    {
        public ulong Address;
        public ulong Size;

        public PhysicalRange(ulong address, ulong size)
        {
            Address = address;
            Size = size;
        }

        public ulong End => Address + Size;

        public bool Overlaps(ulong address, ulong size) =>
            Size != 0 && size != 0 && Address < address + size && address < Address + Size;
    }
}
