using System;
using Unikernel.Core;
using Unikernel.Core.Memory;
using Unikernel.Xen;

// Feeds memory setup's map check a broken map, as if Xen had returned it (kind= on the command line).
// Each must end in a crash that names the problem.
internal static class BadMemoryMap
{
    public static int Run(KernelCommandLine cmdline)
    {
        Span<MemoryRegion> raw = stackalloc MemoryRegion[MemorySetup.MaxMapEntries];
        raw[0] = new MemoryRegion(0, 0x9fc00, MemoryType.Ram);
        raw[1] = new MemoryRegion(0x100000, 0x10000000, MemoryType.Ram);
        uint count = 2;
        cmdline.TryGet("kind", out ReadOnlySpan<byte> kind, out _);
        if (KernelCommandLine.Equals(kind, "empty")) count = 0;
        else if (KernelCommandLine.Equals(kind, "too-wide")) raw[1] = new MemoryRegion(1UL << 52, 0x1000, MemoryType.Ram);
        else if (KernelCommandLine.Equals(kind, "too-many")) count = MemorySetup.MaxMapEntries + 1;
        else if (KernelCommandLine.Equals(kind, "wraps")) raw[1] = new MemoryRegion(0xffff_ffff_ffff_f000, 0x2000, MemoryType.Ram);
        Span<MemoryRegion> storage = stackalloc MemoryRegion[MemorySetup.MaxMapEntries];
        MemorySetup.CheckMap(raw, count, dom0: true, storage);
        XenConsole.WriteLine("bad-map: the map was accepted");
        return 0;
    }
}
