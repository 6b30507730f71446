// Managed function pointers: the guest has no GC and one thread, so the reverse-P/Invoke frame an
// [UnmanagedCallersOnly] target carries would be dead weight on the hottest paths (event masking, SetPte
// in lazy MMU sections; about a dozen instructions a call). A managed target is a plain call.
using unsafe VoidOp = delegate*<void>;
using unsafe ReadOp = delegate*<ulong>;
using unsafe WriteOp = delegate*<ulong, void>;
using unsafe SetPteOp = delegate*<ulong*, ulong, void>;
using unsafe CpuidOp = delegate*<uint, uint, Unikernel.Core.Paravirt.CpuidResult*, void>;

namespace Unikernel.Core.Paravirt
{
    // The privileged operations the core needs, as one table of function pointers (after Linux's
    // pv_ops). A platform fills it and installs it with a single assignment; core code calls only through it.
    public unsafe struct ParavirtOps
    {
        // Event (interrupt) masking: irq.c's pv_ops.irq.
        public VoidOp IrqDisable;
        public VoidOp IrqEnable;
        public ReadOp SaveFlags;    // X86_EFLAGS_IF when events are enabled
        public WriteOp RestoreFlags;
        public VoidOp SafeHalt;     // enable events and wait for one, atomically
        public VoidOp Halt;         // wait for an event; events must be enabled

        // MMU: addresses of page-table roots and PTE values are the platform's (machine) form.
        public ReadOp ReadCr2;
        public ReadOp ReadCr3;
        public WriteOp WriteCr3;
        public WriteOp FlushTlbSingle; // one virtual address
        public VoidOp FlushTlbAll;
        public SetPteOp SetPte;      // the entry's virtual address, its new value
        // Lazy MMU mode (Linux's arch_enter/leave_lazy_mmu_mode): between the two, SetPte may be deferred and
        // batched; leaving flushes, so every update is in the tables when LeaveLazyMmu returns. Nestable.
        public VoidOp EnterLazyMmu;
        public VoidOp LeaveLazyMmu;

        // CPUID as this platform wants the core to see it (features it cannot support hidden).
        public CpuidOp Cpuid;

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

        // The installed table. Fill it only through Install, which checks it is complete. A field rather
        // than a ref-returning property: for `Paravirt.Ops.X()` the compiler clones the call target to test
        // for a fat function pointer, and a target that comes from an inlined property makes ilc compile the
        // whole calling method unoptimized.
        public static ParavirtOps Ops;

        // SaveFlags then IrqDisable (Linux's local_irq_save), one call for every section that masks events;
        // RestoreFlags ends it.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static ulong IrqSave()
        {
            ulong flags = Ops.SaveFlags();
            Ops.IrqDisable();
            return flags;
        }

        // Before Install the table is empty (the platform's earliest code runs with events masked).
        public static bool IsInstalled => Ops.SaveFlags != null;

        public static void Install(in ParavirtOps ops)
        {
            if (!ops.IsComplete) throw new System.ArgumentException("paravirt ops table has empty entries");
            Ops = ops;
        }
    }
}
