using System.Runtime;
using System.Runtime.CompilerServices;

// Instructions that fault on purpose, from probe.S.
internal static class Cpu
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

    // Addresses inside the image's text, read-only data and data (probe.S).
    [RuntimeImport("probe_text_address")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern unsafe void* TextAddress();
    [RuntimeImport("probe_rodata_address")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern unsafe void* RodataAddress();
    [RuntimeImport("probe_data_address")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern unsafe void* DataAddress();

    // Writes to read-only data: must fault.
    [RuntimeImport("probe_write_rodata")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteReadOnlyData();

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
