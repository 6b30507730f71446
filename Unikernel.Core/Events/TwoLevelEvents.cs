using System.Threading;
using Unikernel.Core.Paravirt;

namespace Unikernel.Core.Events
{
    // The 2-level event-channel bitmaps one CPU sees: a pending and a mask bit per port, and a selector word
    // whose bit w says word w of the pending bitmap may have news. Another party (the hypervisor) sets bits
    // concurrently, so every update of a shared word is atomic.
    public unsafe struct TwoLevelEvents
    {
        public const int BitsPerWord = 64;

        public EventFlags* Cpu;          // upcall pending/mask of this CPU
        public ulong* PendingSelector;   // per-CPU selector
        public ulong* Pending;           // shared pending bitmap
        public ulong* Mask;              // shared mask bitmap
        public int Words;                // bitmap length in words

        public TwoLevelEvents(EventFlags* cpu, ulong* pendingSelector, ulong* pending, ulong* mask, int words)
        {
            Cpu = cpu;
            PendingSelector = pendingSelector;
            Pending = pending;
            Mask = mask;
            Words = words;
        }

        public int PortCount => Words * BitsPerWord;

        public bool IsPending(uint port) => (Volatile.Read(ref Pending[port / BitsPerWord]) & Bit(port)) != 0;

        public bool IsMasked(uint port) => (Volatile.Read(ref Mask[port / BitsPerWord]) & Bit(port)) != 0;

        public void SetMask(uint port) => Interlocked.Or(ref Mask[port / BitsPerWord], Bit(port));

        // Clears the mask the way the hypervisor's own unmask does: if the port became pending while masked,
        // raise its selector bit and the CPU's upcall flag. Returns true when an upcall is now owed; the
        // caller delivers it by re-enabling events (which forces the callback when pending is set).
        public bool Unmask(uint port)
        {
            uint word = port / BitsPerWord;
            ulong bit = Bit(port);
            ulong before = Interlocked.And(ref Mask[word], ~bit);
            if ((before & bit) == 0) return false;
            if ((Volatile.Read(ref Pending[word]) & bit) == 0) return false;
            ulong selector = 1UL << (int)word;
            if ((Interlocked.Or(ref *PendingSelector, selector) & selector) == 0) Cpu->Pending = 1;
            return Cpu->Pending != 0;
        }

        // Delivers every pending unmasked port once. The order matters (Linux's evtchn_2l_handle_events and
        // __xen_evtchn_do_upcall): clear the upcall flag, then take the selector, then clear each port's
        // pending bit before its handler runs, so an event that arrives meanwhile raises everything again and
        // is seen on the next pass. Returns the number of deliveries.
        public int Dispatch(delegate*<uint, void> deliver)
        {
            int delivered = 0;
            do
            {
                Cpu->Pending = 0;
                ulong selector = Interlocked.Exchange(ref *PendingSelector, 0);
                while (selector != 0)
                {
                    int word = LowestBit(selector);
                    selector &= selector - 1;
                    if (word >= Words) continue;
                    ulong ready = Volatile.Read(ref Pending[word]) & ~Volatile.Read(ref Mask[word]);
                    while (ready != 0)
                    {
                        int bit = LowestBit(ready);
                        ready &= ready - 1;
                        Interlocked.And(ref Pending[word], ~(1UL << bit));
                        deliver((uint)(word * BitsPerWord + bit));
                        delivered++;
                    }
                }
            } while (Cpu->Pending != 0);
            return delivered;
        }

        private static ulong Bit(uint port) => 1UL << (int)(port % BitsPerWord);

        private static int LowestBit(ulong value)
        {
            int n = 0;
            if ((value & 0xffffffff) == 0) { n += 32; value >>= 32; }
            if ((value & 0xffff) == 0) { n += 16; value >>= 16; }
            if ((value & 0xff) == 0) { n += 8; value >>= 8; }
            if ((value & 0xf) == 0) { n += 4; value >>= 4; }
            if ((value & 0x3) == 0) { n += 2; value >>= 2; }
            if ((value & 0x1) == 0) n += 1;
            return n;
        }
    }
}
