using Unikernel.Core.Paravirt;
using Unikernel.Xen;

// Event masking through the installed ops table, checked against the real vcpu_info.evtchn_upcall_mask.
internal static unsafe class IrqFlagChecks
{
    private static byte Mask => SharedInfoPage.Page->Vcpu0.EvtchnUpcallMask;

    public static int Run()
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        int failures = 0;
        // Xen starts a PV guest with events masked; the platform enables them before Main.
        failures += CheckReport.Check("main-runs-unmasked", ops.SaveFlags() == Paravirt.InterruptFlag && Mask == 0);

        ops.IrqDisable();
        ops.IrqEnable();
        failures += CheckReport.Check("enable", ops.SaveFlags() == Paravirt.InterruptFlag && Mask == 0);

        ulong outer = ops.SaveFlags();
        ops.IrqDisable();
        ulong inner = ops.SaveFlags();
        ops.IrqDisable();
        failures += CheckReport.Check("nested-disable", inner == 0 && Mask == 1);
        ops.RestoreFlags(inner);
        failures += CheckReport.Check("inner-restore-keeps-mask", Mask == 1 && ops.SaveFlags() == 0);
        ops.RestoreFlags(outer);
        failures += CheckReport.Check("outer-restore-unmasks", Mask == 0 && ops.SaveFlags() == Paravirt.InterruptFlag);

        ops.IrqDisable();
        failures += CheckReport.Check("disable-again", Mask == 1);
        XenConsole.WriteLine(failures == 0 ? "irqflags: 0 failed" : "irqflags: FAILED");
        return failures;
    }

}
