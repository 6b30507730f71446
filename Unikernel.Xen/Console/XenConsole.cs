using System;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Console output. Dom0 writes through console_io, which Xen sends to its serial line; a domU writes
    // into the shared console ring and notifies xenconsoled, waiting for room when the ring is full so no
    // byte is lost. Output is buffered per line.
    internal static unsafe class XenConsole
    {
        private const int BufferSize = 512;
        private static bool s_useRing;
        private static ConsoleInterface* s_ring;
        private static uint s_evtchn;
        private static int s_pending;
        private static LineBuffer s_buffer;

        private struct LineBuffer { public fixed byte Bytes[BufferSize]; }

        internal static void Initialize(StartInfo* startInfo)
        {
            if (startInfo->IsInitialDomain) return;
            s_useRing = true;
            s_ring = (ConsoleInterface*)AddressTranslation.MachineFrameToVirtual(startInfo->ConsoleMfn);
            s_evtchn = startInfo->ConsoleEvtchn;
        }

        public static void Write(ReadOnlySpan<char> text)
        {
            Span<byte> encoded = stackalloc byte[Utf8Encoder.MaxBytesPerChar];
            int i = 0;
            while (i < text.Length)
            {
                bool newline = text[i] == '\n';
                int n = Utf8Encoder.EncodeNext(text, ref i, encoded);
                if (s_pending + n > BufferSize) Flush();
                fixed (byte* b = s_buffer.Bytes)
                    for (int k = 0; k < n; k++) b[s_pending++] = encoded[k];
                if (newline) Flush();
            }
        }

        public static void WriteLine(ReadOnlySpan<char> text)
        {
            Write(text);
            Write("\n");
        }

        public static void Flush()
        {
            if (s_pending == 0) return;
            fixed (byte* b = s_buffer.Bytes)
            {
                if (s_useRing) WriteRing(b, s_pending);
                else WriteConsoleIo(b, s_pending);
            }
            s_pending = 0;
        }

        private static void WriteConsoleIo(byte* bytes, int count)
        {
            // console_io returns the bytes taken, or a negative errno; a short write is retried.
            while (count > 0)
            {
                long rc = Hypercall.ConsoleIo(XenConstants.ConsoleIoWrite, (ulong)count, bytes);
                if (rc < 0) { EarlyFail(rc); return; }
                if (rc == 0) rc = count; // Xen 4.17 returns 0 once everything was taken
                bytes += rc;
                count -= (int)rc;
            }
        }

        private static void WriteRing(byte* bytes, int count)
        {
            ConsoleInterface* ring = s_ring;
            while (count > 0)
            {
                uint cons = ring->OutCons;
                uint prod = ring->OutProd;
                uint free = ConsoleInterface.OutSize - (prod - cons);
                if (free == 0)
                {
                    // Full: let xenconsoled drain it, then look again. Nothing is dropped. Once events flow,
                    // wait for xenconsoled's notification; before that (or inside an event handler), yield.
                    Notify();
                    if (s_eventsReady && Core.Paravirt.Paravirt.Ops.SaveFlags() != 0) Idle.WaitUntilQuietly(&HasRoom, 0);
                    else Hypercall.SchedOp(XenConstants.SchedOpYield, null);
                    continue;
                }
                while (free > 0 && count > 0)
                {
                    ring->Out[prod++ & (ConsoleInterface.OutSize - 1)] = *bytes++;
                    free--;
                    count--;
                }
                ring->OutProd = prod; // volatile store: the bytes are visible before the index (x86 TSO)
                Notify();
            }
        }

        private static bool s_eventsReady;

        // Called once the console's event channel has a handler (ConsoleInput attaches it).
        internal static void EventsReady() => s_eventsReady = true;

        private static bool HasRoom(ulong unused) => s_ring->OutProd - s_ring->OutCons < ConsoleInterface.OutSize;

        private static void Notify()
        {
            var send = new EvtchnPort { Port = s_evtchn };
            long rc = Hypercall.EventChannelOp(EventChannelOp.Send, &send);
            if (rc < 0) EarlyFail(rc);
        }

        // The console itself failed: there is nowhere to print, so crash without a message. The buffer is
        // dropped first so the shutdown path does not try to flush it through the broken console again.
        private static void EarlyFail(long rc)
        {
            s_pending = 0;
            Domain.Shutdown(XenConstants.ShutdownCrash);
        }

        // Fatal-error writer installed at boot: flushes what the application wrote, then the message.
        internal static void WriteFatal(char* text, int length)
        {
            Write(new ReadOnlySpan<char>(text, length));
            Flush();
        }
    }
}
