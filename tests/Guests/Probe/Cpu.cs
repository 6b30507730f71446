using System.Runtime;
using System.Runtime.CompilerServices;

// Instructions that fault on purpose, from probe.S.
public static class Cpu
{
    [RuntimeImport("probe_ud2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void InvalidOpcode();

    // hlt is privileged: in ring 3 (where a PV kernel runs) it raises #GP.
    [RuntimeImport("probe_hlt")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void PrivilegedInstruction();

    [RuntimeImport("probe_native_cpuid")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern unsafe void NativeCpuid(uint leaf, Unikernel.Core.Paravirt.CpuidResult* result);

    // Two page-aligned .bss pages for mapping experiments.
    [RuntimeImport("probe_pages_address")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern unsafe byte* TwoPages();

    // 128 page-aligned .bss pages for the batching checks.
    [RuntimeImport("probe_batch_area_address")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern unsafe byte* BatchArea();

    // Reads the quadword at %fs:0 (through the FS base).
    [RuntimeImport("probe_read_fs0")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadFs0();

    // Top of the boot stack (start.S).
    [RuntimeImport("uk_stack_top_address")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong StackTop();
}
