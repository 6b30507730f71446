using System.Runtime.InteropServices;
using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The Xen implementation of the paravirt ops table: event masking on vcpu_info[0] in shared_info,
    // cr2 from vcpu_info.arch.cr2.
    public static unsafe class XenParavirt
    {
        // vcpu_info starts with evtchn_upcall_pending then evtchn_upcall_mask: the core's EventFlags.
        private static EventFlags* Flags => (EventFlags*)&SharedInfoPage.Page->Vcpu0;

        internal static void Install()
        {
            Paravirt.Install(new ParavirtOps
            {
                IrqDisable = &IrqDisable,
                IrqEnable = &IrqEnable,
                SaveFlags = &SaveFlags,
                RestoreFlags = &RestoreFlags,
                ReadCr2 = &ReadCr2,
            });
        }

        // Any hypercall makes Xen deliver pending events on the way out; Linux uses xen_version(0) too.
        private static void ForceCallback() => Hypercall.XenVersion(XenConstants.XenVerVersion, null);

        [UnmanagedCallersOnly] private static void IrqDisable() => EventMask.Disable(Flags);
        [UnmanagedCallersOnly] private static void IrqEnable() => EventMask.Enable(Flags, &ForceCallback);
        [UnmanagedCallersOnly] private static ulong SaveFlags() => EventMask.SaveFlags(Flags);
        [UnmanagedCallersOnly] private static void RestoreFlags(ulong flags) => EventMask.Restore(Flags, flags, &ForceCallback);
        [UnmanagedCallersOnly] private static ulong ReadCr2() => SharedInfoPage.Page->Vcpu0.Cr2;
    }
}
