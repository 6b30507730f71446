using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // What Linux's xen_pvmmu_arch_setup asks of Xen before events can flow: writable page tables, and the
    // event and failsafe callbacks (entry stubs in Unikernel.Boot/asm/traps.S), both entered with events
    // masked.
    internal static unsafe class Callbacks
    {
        internal static void Install()
        {
            Panic.Check(Hypercall.Invoke(HypercallNumber.VmAssist, XenConstants.VmAssistEnable, XenConstants.VmAssistWritablePageTables),
                "vm_assist(enable, writable_pagetables)");
            Register(CallbackRegister.TypeEvent, EventCallbackAddress(), "callback_op(register, event)");
            Register(CallbackRegister.TypeFailsafe, FailsafeCallbackAddress(), "callback_op(register, failsafe)");
        }

        private static void Register(ushort type, ulong address, string what)
        {
            var callback = new CallbackRegister { Type = type, Flags = CallbackRegister.FlagMaskEvents, Address = address };
            Panic.Check(Hypercall.Invoke(HypercallNumber.CallbackOp, CallbackRegister.OpRegister, (ulong)&callback), what);
        }

        // The failsafe frame (x86_64): rcx, r11, ds, es, fs, gs, then the iret frame.
        [UnmanagedCallersOnly(EntryPoint = "uk_failsafe")]
        private static void Failsafe(ulong* frame)
        {
            var text = new TextBuilder(stackalloc char[160]);
            text.Append($"failsafe callback: Xen could not load segments at rip=0x{frame[6]:x} ds=0x{frame[2] & 0xffff:x} es=0x{frame[3] & 0xffff:x} fs=0x{frame[4] & 0xffff:x} gs=0x{frame[5] & 0xffff:x}");
            Panic.Fail(text.Text);
        }

        [RuntimeImport("uk_event_callback_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong EventCallbackAddress();

        [RuntimeImport("uk_failsafe_callback_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong FailsafeCallbackAddress();
    }
}
