using System.Runtime.InteropServices;
using Unikernel.Core.Events;
using Unikernel.Core.Paravirt;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // 2-level event channels on vCPU 0: binding VIRQs and IPIs, a handler per port, mask/unmask, send, and
    // the upcall that demultiplexes pending ports to their handlers (Linux events_base.c/events_2l.c).
    // Handlers run with events masked, on the interrupted stack.
    internal static unsafe class EventChannels
    {
        public const int MaxPorts = 256; // our handler table (16 bytes a port); Xen hands out the lowest free port first

        private struct Binding
        {
            public delegate*<uint, ulong, void> Handler;
            public ulong Data;
        }

        private struct BindingTable { public fixed ulong Slots[MaxPorts * 2]; } // Binding[MaxPorts]

        private static BindingTable s_table;
        private static TwoLevelEvents s_events;
        private static ulong s_upcalls, s_unbound;

        public static ulong UpcallCount => s_upcalls;
        public static ulong UnboundDeliveries => s_unbound;

        internal static void Initialize()
        {
            SharedInfo* shared = SharedInfoPage.Page;
            s_events = new TwoLevelEvents((EventFlags*)&shared->Vcpu0, &shared->Vcpu0.EvtchnPendingSel,
                shared->EvtchnPending, shared->EvtchnMask, MaxPorts / TwoLevelEvents.BitsPerWord);
            // Ports bound before we were ready (the toolstack's console and xenstore ports) stay quiet until
            // a handler is attached, as Linux's xen_evtchn_mask_all does.
            for (uint port = 0; port < MaxPorts; port++) s_events.SetMask(port);
        }

        // A restored domain has no event channels (and the restore masked every port): every handler is
        // forgotten and owners bind again.
        internal static void ForgetAll()
        {
            for (uint port = 0; port < MaxPorts; port++)
            {
                Slot(port)->Handler = null;
                s_events.SetMask(port);
            }
        }

        public static uint BindVirq(uint virq, delegate*<uint, ulong, void> handler, ulong data)
        {
            var bind = new EvtchnBindVirq { Virq = virq, Vcpu = 0 };
            Panic.Check(Hypercall.EventChannelOp(EventChannelOp.BindVirq, &bind), "event_channel_op(bind_virq)");
            Attach(bind.Port, handler, data);
            return bind.Port;
        }

        // An IPI port to our own vCPU: Send on it raises an event here.
        public static uint BindIpi(delegate*<uint, ulong, void> handler, ulong data)
        {
            var bind = new EvtchnBindIpi { Vcpu = 0 };
            Panic.Check(Hypercall.EventChannelOp(EventChannelOp.BindIpi, &bind), "event_channel_op(bind_ipi)");
            Attach(bind.Port, handler, data);
            return bind.Port;
        }

        // A port bound elsewhere (start_info's console or xenstore port): just install the handler.
        public static void Attach(uint port, delegate*<uint, ulong, void> handler, ulong data)
        {
            Binding* binding = Slot(port);
            binding->Handler = handler;
            binding->Data = data;
            Unmask(port);
        }

        public static void Close(uint port)
        {
            Mask(port);
            Slot(port)->Handler = null;
            var close = new EvtchnPort { Port = port };
            Panic.Check(Hypercall.EventChannelOp(EventChannelOp.Close, &close), "event_channel_op(close)");
        }

        public static void Send(uint port)
        {
            var send = new EvtchnPort { Port = port };
            Panic.Check(Hypercall.EventChannelOp(EventChannelOp.Send, &send), "event_channel_op(send)");
        }

        public static void Mask(uint port)
        {
            CheckPort(port);
            s_events.SetMask(port);
        }

        // Unmasks in the guest, as Linux does for a port of this vCPU; an event that arrived while masked is
        // delivered as soon as events are enabled (now, if they are).
        public static void Unmask(uint port)
        {
            CheckPort(port);
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = Paravirt.IrqSave();
            s_events.Unmask(port);
            ops.RestoreFlags(flags);
        }

        public static bool IsPending(uint port) => s_events.IsPending(port);
        public static bool IsMasked(uint port) => s_events.IsMasked(port);

        // Entered from uk_event_callback with events masked; the iret hypercall restores the mask.
        [UnmanagedCallersOnly(EntryPoint = "uk_event_upcall")]
        private static void Upcall()
        {
            s_upcalls++;
            s_inHandler++;
            s_events.Dispatch(&Deliver);
            s_inHandler--;
        }

        private static int s_inHandler;

        // True while an event handler or a timer callback runs: on the interrupted stack, events masked.
        // Nothing there may wait (Idle refuses), since waiting would re-enter the upcall on this stack.
        public static bool InHandler => s_inHandler != 0;

        private static void Deliver(uint port)
        {
            Binding* binding = (uint)port < MaxPorts ? Slot(port) : null;
            if (binding == null || binding->Handler == null)
            {
                s_unbound++; // e.g. a port closed with an event in flight
                return;
            }
            binding->Handler(port, binding->Data);
        }

        private static Binding* Slot(uint port)
        {
            CheckPort(port);
            fixed (ulong* slots = s_table.Slots) return (Binding*)slots + port;
        }

        private static void CheckPort(uint port)
        {
            if (port < MaxPorts) return;
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"event channel port {port} is beyond our table of {MaxPorts}");
            Panic.Fail(text.Text);
        }
    }
}
