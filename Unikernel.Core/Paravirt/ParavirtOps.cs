namespace Unikernel.Core.Paravirt
{
    // The privileged operations the core needs, as one table of unmanaged function pointers (after Linux's
    // pv_ops). A platform fills it and installs it with a single assignment; core code calls only through it.
    public unsafe struct ParavirtOps
    {
        public delegate* unmanaged<void> IrqDisable;
        public delegate* unmanaged<void> IrqEnable;
        public delegate* unmanaged<ulong> SaveFlags;      // X86_EFLAGS_IF when events are enabled
        public delegate* unmanaged<ulong, void> RestoreFlags;
        public delegate* unmanaged<ulong> ReadCr2;

        public bool IsComplete => IrqDisable != null && IrqEnable != null && SaveFlags != null && RestoreFlags != null && ReadCr2 != null;
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
