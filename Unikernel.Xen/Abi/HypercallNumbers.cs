namespace Unikernel.Xen.Abi
{
    // __HYPERVISOR_* from xen/include/public/xen.h.
    internal enum HypercallNumber : ulong
    {
        MmuUpdate = 1,
        SetTrapTable = 0,
        StackSwitch = 3,
        SetCallbacks = 4,
        MemoryOp = 12,
        Multicall = 13,
        UpdateVaMapping = 14,
        SetTimerOp = 15,
        XenVersion = 17,
        ConsoleIo = 18,
        GrantTableOp = 20,
        VmAssist = 21,
        Iret = 23,
        VcpuOp = 24,
        SetSegmentBase = 25,
        MmuextOp = 26,
        SchedOp = 29,
        CallbackOp = 30,
        EventChannelOp = 32,
        PhysdevOp = 33,
    }

    internal static class XenConstants
    {
        public const ulong ConsoleIoWrite = 0;          // CONSOLEIO_write, xen.h
        public const ulong ConsoleIoRead = 1;           // CONSOLEIO_read, xen.h
        public const ulong XenVerVersion = 0;           // XENVER_version, version.h
        public const ulong XenVerExtraVersion = 1;      // XENVER_extraversion, version.h: char[16]
        public const ulong SchedOpYield = 0;            // SCHEDOP_yield, sched.h
        public const ulong SchedOpBlock = 1;            // SCHEDOP_block, sched.h: unmasks events atomically
        public const ulong SchedOpShutdown = 2;         // SCHEDOP_shutdown, sched.h
        public const uint ShutdownPowerOff = 0;         // SHUTDOWN_poweroff, sched.h
        public const uint ShutdownReboot = 1;           // SHUTDOWN_reboot
        public const uint ShutdownSuspend = 2;          // SHUTDOWN_suspend
        public const uint ShutdownCrash = 3;            // SHUTDOWN_crash
        public const ulong VmAssistEnable = 0;          // VMASST_CMD_enable, xen.h
        public const ulong VmAssistWritablePageTables = 2; // VMASST_TYPE_writable_pagetables, xen.h
        public const ulong UvmfInvlpg = 2;              // UVMF_INVLPG, xen.h
        public const ulong SegbaseFs = 0;               // SEGBASE_FS, arch-x86/xen-x86_64.h: set_segment_base
        public const ulong FlatKernelSs = 0xE02B;       // FLAT_KERNEL_SS (FLAT_RING3_SS64), arch-x86/xen-x86_64.h
        public const ulong Mach2PhysVirtStart = 0xFFFF800000000000; // MACH2PHYS_VIRT_START, arch-x86/xen-x86_64.h
        public const int PageShift = 12;
    }
}
