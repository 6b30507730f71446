namespace Unikernel.Core.Paravirt
{
    // Features a paravirtualised guest must not use even when the CPU has them, hidden as Linux's Xen PV
    // code hides them (arch/x86/xen/enlighten_pv.c: xen_cpuid, xen_init_capabilities): the guest cannot
    // program MTRRs or machine checks, has no MONITOR/MWAIT or x2APIC of its own, no thermal control, and
    // no extended topology that means anything.
    public static class CpuidFilter
    {
        // Leaf 1 ECX
        public const uint Monitor = 1u << 3;      // X86_FEATURE_MWAIT
        public const uint X2Apic = 1u << 21;      // X86_FEATURE_X2APIC
        // Leaf 1 EDX
        public const uint Mce = 1u << 7;          // X86_FEATURE_MCE
        public const uint Mtrr = 1u << 12;        // X86_FEATURE_MTRR
        public const uint Mca = 1u << 14;         // X86_FEATURE_MCA
        public const uint Acpi = 1u << 22;        // X86_FEATURE_ACPI (thermal MSRs)
        public const uint Acc = 1u << 29;         // X86_FEATURE_ACC (thermal monitor)

        public const uint HiddenLeaf1Ecx = Monitor | X2Apic;
        public const uint HiddenLeaf1Edx = Mce | Mtrr | Mca | Acpi | Acc;

        public static void Apply(uint leaf, ref CpuidResult result)
        {
            switch (leaf)
            {
                case 1:
                    result.Ecx &= ~HiddenLeaf1Ecx;
                    result.Edx &= ~HiddenLeaf1Edx;
                    break;
                case 5: // MONITOR/MWAIT leaf
                    result = default;
                    break;
                case 0xb: // extended topology: suppressed, as Linux does
                    result.Ebx = 0;
                    break;
            }
        }
    }
}
