namespace Unikernel.Core.Paravirt
{
    // A CPU's event-delivery state as a paravirtualised guest sees it: a mask byte that stands in for the
    // interrupt flag and a pending byte the hypervisor sets. The semantics follow Linux's xen irq ops
    // (arch/x86/xen/irq.c): enabling clears the mask and, if something arrived while masked, forces the
    // callback so nothing is left waiting.
    public struct EventFlags
    {
        public volatile byte Pending;
        public volatile byte Mask;
    }

    public static unsafe class EventMask
    {
        public static ulong SaveFlags(EventFlags* flags) => flags->Mask == 0 ? Paravirt.InterruptFlag : 0;

        public static void Disable(EventFlags* flags) => flags->Mask = 1;

        public static void Enable(EventFlags* flags, delegate*<void> forceCallback)
        {
            flags->Mask = 0;
            if (flags->Pending != 0) forceCallback(); // unmask, then check: an event that came while masked
        }

        public static void Restore(EventFlags* flags, ulong saved, delegate*<void> forceCallback)
        {
            if ((saved & Paravirt.InterruptFlag) != 0) Enable(flags, forceCallback);
            else Disable(flags);
        }
    }
}
