namespace Unikernel.Core.Memory
{
    // E820 entry types as Xen reports them through XENMEM_memory_map / XENMEM_machine_memory_map
    // (xen/include/public/memory.h uses the PC BIOS e820 numbering; arch/x86/include/asm/e820/types.h).
    // Higher numbers are more restrictive: when entries overlap, the higher type wins.
    public enum MemoryType : uint
    {
        Ram = 1,        // E820_TYPE_RAM
        Reserved = 2,   // E820_TYPE_RESERVED
        Acpi = 3,       // E820_TYPE_ACPI (reclaimable tables)
        Nvs = 4,        // E820_TYPE_NVS
        Unusable = 5,   // E820_TYPE_UNUSABLE
    }
}
