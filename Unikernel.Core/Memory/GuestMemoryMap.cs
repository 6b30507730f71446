using System;

namespace Unikernel.Core.Memory
{
    // The e820 map the guest itself should believe once setup is planned, as Linux builds e820_table in
    // xen_memory_setup (arch/x86/xen/setup.c): RAM up to the initial allocation, RAM that became extra space
    // or a remap destination, every non-RAM range as it was, RAM beyond all that dropped, and the ISA
    // window reserved because too much pokes about in it.
    public static class GuestMemoryMap
    {
        // ISA_START_ADDRESS / ISA_END_ADDRESS, arch/x86/include/asm/e820/types.h (the 640 KiB - 1 MiB window).
        public const ulong IsaStart = 0xa0000;
        public const ulong IsaEnd = 0x100000;

        // Scratch entries Build needs for a given map, extra list capacity and plan length.
        public static int ScratchEntries(int mapEntries, int extraCapacity, int planOperations) =>
            mapEntries + extraCapacity + planOperations + 1;

        public static MemoryStatus Build(scoped MemoryMap map, in PageLimits limits, scoped ReadOnlySpan<PfnRange> extraSlots,
            scoped ReadOnlySpan<MemoryOperation> plan, Span<MemoryRegion> scratch, Span<MemoryRegion> output, out int count)
        {
            count = 0;
            int pieces = 0;
            ulong memEnd = limits.MemEnd;
            for (int i = 0; i < map.Count; i++)
            {
                MemoryRegion entry = map[i];
                if (entry.Type == MemoryType.Ram)
                {
                    if (entry.Address >= memEnd) continue;
                    entry.Size = Page.Min(entry.End, memEnd) - entry.Address;
                }
                if (pieces == scratch.Length) return MemoryStatus.OutputFull;
                scratch[pieces++] = entry;
            }
            for (int i = 0; i < extraSlots.Length; i++)
            {
                if (extraSlots[i].Count == 0) continue;
                if (pieces == scratch.Length) return MemoryStatus.OutputFull;
                scratch[pieces++] = new MemoryRegion(Page.ToAddress(extraSlots[i].Start), Page.ToAddress(extraSlots[i].Count), MemoryType.Ram);
            }
            for (int i = 0; i < plan.Length; i++)
            {
                if (plan[i].Kind != MemoryOperationKind.Remap) continue;
                if (pieces == scratch.Length) return MemoryStatus.OutputFull;
                scratch[pieces++] = new MemoryRegion(Page.ToAddress(plan[i].Destination), Page.ToAddress(plan[i].Count), MemoryType.Ram);
            }
            if (pieces == scratch.Length) return MemoryStatus.OutputFull;
            scratch[pieces++] = new MemoryRegion(IsaStart, IsaEnd - IsaStart, MemoryType.Reserved);

            return MemoryMapSanitizer.Sanitize(scratch.Slice(0, pieces), unusableAsRam: false, output, out count);
        }
    }
}
