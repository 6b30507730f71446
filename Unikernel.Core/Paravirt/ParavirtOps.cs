namespace Unikernel.Core.Paravirt
{
    // The privileged operations the core needs, as one table of unmanaged function pointers (after Linux's
    // pv_ops). A platform fills it and installs it with a single assignment; core code calls only through it.
    public unsafe struct ParavirtOps
    {
        // Event (interrupt) masking: irq.c's pv_ops.irq.
        public delegate* unmanaged<void> IrqDisable;
        public delegate* unmanaged<void> IrqEnable;
        public delegate* unmanaged<ulong> SaveFlags;      // X86_EFLAGS_IF when events are enabled
        public delegate* unmanaged<ulong, void> RestoreFlags;
        public delegate* unmanaged<void> SafeHalt;        // enable events and wait for one, atomically
        public delegate* unmanaged<void> Halt;            // wait for an event; events must be enabled

        // MMU: addresses of page-table roots and PTE values are the platform's (machine) form.
        public delegate* unmanaged<ulong> ReadCr2;
        public delegate* unmanaged<ulong> ReadCr3;
        public delegate* unmanaged<ulong, void> WriteCr3;
        public delegate* unmanaged<ulong, void> FlushTlbSingle; // one virtual address
        public delegate* unmanaged<void> FlushTlbAll;
        public delegate* unmanaged<ulong*, ulong, void> SetPte;  // the entry's virtual address, its new value
        // Lazy MMU mode (Linux's arch_enter/leave_lazy_mmu_mode): between the two, SetPte may be deferred and
        // batched; leaving flushes, so every update is in the tables when LeaveLazyMmu returns. Nestable.
        public delegate* unmanaged<void> EnterLazyMmu;
        public delegate* unmanaged<void> LeaveLazyMmu;

        // CPUID as this platform wants the core to see it (features it cannot support hidden).
        public delegate* unmanaged<uint, uint, CpuidResult*, void> Cpuid;

        public bool IsComplete =>
            IrqDisable != null && IrqEnable != null && SaveFlags != null && RestoreFlags != null &&
            SafeHalt != null && Halt != null && ReadCr2 != null && ReadCr3 != null && WriteCr3 != null &&
            FlushTlbSingle != null && FlushTlbAll != null && SetPte != null && EnterLazyMmu != null && LeaveLazyMmu != null &&
            Cpuid != null;
    }

    public struct CpuidResult
    {
        public uint Eax, Ebx, Ecx, Edx;
    }

    public static unsafe class Paravirt
    {
        public const ulong InterruptFlag = 0x200; // X86_EFLAGS_IF

        private static ParavirtOps s_ops;

        public static ref readonly ParavirtOps Ops => ref s_ops;

        public static void Install(in ParavirtOps ops)
        {
            if (!ops.IsComplete) throw new System.ArgumentException("paravirt ops table has empty entries");
            s_ops = ops;
        }
    }
}
