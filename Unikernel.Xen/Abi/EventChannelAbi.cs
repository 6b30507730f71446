using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // EVTCHNOP_* commands and their argument structs, xen/include/public/event_channel.h.
    internal static class EventChannelOp
    {
        public const ulong BindVirq = 1;    // EVTCHNOP_bind_virq
        public const ulong AllocUnbound = 6; // EVTCHNOP_alloc_unbound
        public const ulong Close = 3;       // EVTCHNOP_close
        public const ulong Send = 4;        // EVTCHNOP_send
        public const ulong BindIpi = 7;     // EVTCHNOP_bind_ipi
        public const ulong Unmask = 9;      // EVTCHNOP_unmask
    }

    // struct evtchn_bind_virq
    [StructLayout(LayoutKind.Sequential)]
    internal struct EvtchnBindVirq
    {
        public uint Virq;   // virq: VIRQ_*
        public uint Vcpu;   // vcpu
        public uint Port;   // port (out)
    }

    // struct evtchn_alloc_unbound: a port another domain (a backend) binds to.
    [StructLayout(LayoutKind.Sequential)]
    internal struct EvtchnAllocUnbound
    {
        public ushort Dom;          // dom: DOMID_SELF
        public ushort RemoteDom;    // remote_dom
        public uint Port;           // port (out)
    }

    // struct evtchn_bind_ipi
    [StructLayout(LayoutKind.Sequential)]
    internal struct EvtchnBindIpi
    {
        public uint Vcpu;   // vcpu
        public uint Port;   // port (out)
    }

    // struct evtchn_send, evtchn_close and evtchn_unmask are all { evtchn_port_t port; }
    [StructLayout(LayoutKind.Sequential)]
    internal struct EvtchnPort
    {
        public uint Port;
    }

    // VIRQ_* from xen/include/public/xen.h.
    internal static class Virq
    {
        public const uint Timer = 0;    // VIRQ_TIMER: the one-shot timer of set_timer_op
        public const uint Debug = 1;    // VIRQ_DEBUG
        public const uint Console = 2;  // VIRQ_CONSOLE: dom0 console input
    }

    // struct callback_register, xen/include/public/callback.h (x86_64: xen_callback_t is an address).
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct CallbackRegister
    {
        public const ulong OpRegister = 0;          // CALLBACKOP_register
        public const ushort TypeEvent = 0;          // CALLBACKTYPE_event
        public const ushort TypeFailsafe = 1;       // CALLBACKTYPE_failsafe
        public const ushort FlagMaskEvents = 1;     // CALLBACKF_mask_events

        [FieldOffset(0)] public ushort Type;        // type
        [FieldOffset(2)] public ushort Flags;       // flags
        [FieldOffset(8)] public ulong Address;      // address
    }
}
