namespace Unikernel.Core.Memory
{
    // How to read the hypervisor's e820 map.
    public struct MemoryMapOptions
    {
        // x86-64 architectural maximum (MAXPHYADDR); entries ending above 2^AddressBits are rejected.
        public const int DefaultAddressBits = 52;

        public int AddressBits;

        // Dom0 reads the machine map: Xen refuses 1:1 mappings of UNUSABLE ranges, so Linux's
        // xen_ignore_unusable (arch/x86/xen/setup.c) treats them as RAM, as they are in the pseudo-physical map.
        public bool UnusableAsRam;

        public static MemoryMapOptions Default => new MemoryMapOptions { AddressBits = DefaultAddressBits };

        public static MemoryMapOptions ForInitialDomain => new MemoryMapOptions { AddressBits = DefaultAddressBits, UnusableAsRam = true };
    }
}
