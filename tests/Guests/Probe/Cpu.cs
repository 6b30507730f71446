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
}
