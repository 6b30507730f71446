using System;
using Unikernel.Core.Paravirt;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Console output. Dom0 writes through console_io, which Xen sends to its serial line; a domU writes
    // into the shared console ring and notifies xenconsoled. Output is buffered per line.
    //
    // Safe from any context: the buffer is only touched with events masked, so a timer or event callback
    // that writes while Main is writing appends whole and nothing is lost or repeated. A text that fits in
    // the buffer goes in whole, so lines of different writers do not interleave.
    //
    // When the ring is full the writer waits for xenconsoled. With events enabled it waits as long as it
    // takes, serving events meanwhile (so xl shutdown is honoured). Where it cannot serve events (inside a
    // callback, on the crash path, once a shutdown has begun) it gives up after StallLimit without
    // progress, drops what it could not write, counts it and says so as soon as the ring moves again.
    internal static unsafe class XenConsole
    {
        private const int BufferSize = 512;
        private const int ChunkBytes = 256; // a text is encoded and appended in pieces of this size

        // How long a wait that cannot serve events tolerates a ring that does not move.
        public const ulong StallLimitNs = 2_000_000_000;

        private static bool s_useRing;
        private static ConsoleInterface* s_ring;
        private static uint s_evtchn;
        private static int s_pending;     // bytes in s_buffer, oldest first
        private static LineBuffer s_buffer;
        private static bool s_eventsReady;
        private static bool s_bounded;    // crash or shutdown under way: every wait is bounded
        private static bool s_stalled;    // a bounded wait gave up; bounded writers drop at once until it moves
        private static ulong s_dropped;   // bytes dropped and not yet reported
        private static ulong s_droppedTotal;

        private struct LineBuffer { public fixed byte Bytes[BufferSize]; }

        public static ulong DroppedBytes => s_droppedTotal;

        internal static void Initialize(StartInfo* startInfo)
        {
            if (startInfo->IsInitialDomain) return;
            s_useRing = true;
            s_ring = (ConsoleInterface*)AddressTranslation.MachineFrameToVirtual(startInfo->ConsoleMfn);
            s_evtchn = startInfo->ConsoleEvtchn;
        }

        // A new domain after a restore: the same ring page (the restore put its new frame in start_info) and a
        // new event channel. What was in the ring is still there and xenconsoled reads it from out_cons on.
        internal static void Resume(StartInfo* startInfo)
        {
            if (!s_useRing) return;
            s_ring = (ConsoleInterface*)AddressTranslation.MachineFrameToVirtual(startInfo->ConsoleMfn);
            s_evtchn = startInfo->ConsoleEvtchn;
        }

        // Called once the console's event channel has a handler (ConsoleInput attaches it).
        internal static void EventsReady() => s_eventsReady = true;

        // From here on (a panic, a shutdown), waiting for xenconsoled is bounded: the domain must end.
        internal static void BoundWaits() => s_bounded = true;

        public static void Write(ReadOnlySpan<char> text) => Write(text, newline: false);

        // The line and its end go in as one piece, so no other writer's output lands between them.
        public static void WriteLine(ReadOnlySpan<char> text) => Write(text, newline: true);

        internal static void Write(ReadOnlySpan<char> text, bool newline)
        {
            Span<byte> chunk = stackalloc byte[ChunkBytes + Utf8Encoder.MaxBytesPerChar + 1];
            int i = 0;
            do
            {
                int n = 0;
                while (i < text.Length && n < ChunkBytes) n += Utf8Encoder.EncodeNext(text, ref i, chunk.Slice(n));
                if (newline && i == text.Length) chunk[n++] = (byte)'\n';
                Write(chunk.Slice(0, n));
            }
            while (i < text.Length);
        }

        // Bytes and the line's end as one piece when they fit in one.
        public static void WriteLine(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length >= ChunkBytes)
            {
                Write(bytes);
                Write("\n", newline: false);
                return;
            }
            Span<byte> line = stackalloc byte[ChunkBytes];
            bytes.CopyTo(line);
            line[bytes.Length] = (byte)'\n';
            Write(line.Slice(0, bytes.Length + 1));
        }

        // UTF-8 (or any) bytes as they are.
        public static void Write(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                ulong flags = Mask();
                int taken = AppendWhole(bytes);
                bool full = taken < bytes.Length;
                if (full || bytes.Slice(0, taken).Contains((byte)'\n')) Drain();
                RestoreFlags(flags);
                bytes = bytes.Slice(taken);
                if (full && !WaitForRoom()) { Drop(bytes.Length); return; }
            }
        }

        public static void Flush()
        {
            while (true)
            {
                ulong flags = Mask();
                Drain();
                bool left = s_pending > 0;
                RestoreFlags(flags);
                if (!left) return;
                if (!WaitForRoom()) return; // a bounded wait gave up: what was left is dropped and counted
            }
        }

        // Fatal-error writer installed at boot: flushes what the application wrote, then the message, and
        // never waits without bound (the domain must reach SHUTDOWN_crash).
        internal static void WriteFatal(char* text, int length)
        {
            BoundWaits();
            Write(new ReadOnlySpan<char>(text, length));
            Flush();
        }

        // Appends all of bytes if they fit, else as much as fits when they could never fit whole; returns
        // the count taken. Events are masked.
        private static int AppendWhole(ReadOnlySpan<byte> bytes)
        {
            int room = BufferSize - s_pending;
            int n = bytes.Length <= room ? bytes.Length : (bytes.Length > BufferSize ? room : 0);
            fixed (byte* b = s_buffer.Bytes)
                for (int k = 0; k < n; k++) b[s_pending + k] = bytes[k];
            s_pending += n;
            return n;
        }

        // Moves buffered bytes to the console without waiting. Events are masked.
        private static void Drain()
        {
            if (s_pending == 0) return;
            fixed (byte* b = s_buffer.Bytes)
            {
                ReportDropped();
                int written = s_useRing ? WriteRing(b, s_pending) : WriteConsoleIo(b, s_pending);
                for (int k = written; k < s_pending; k++) b[k - written] = b[k];
                s_pending -= written;
            }
        }

        // Waits until the ring has room. False when it gave up (a bounded wait saw no progress): the buffer
        // was dropped and counted.
        private static bool WaitForRoom()
        {
            if (!s_useRing) return true; // console_io always takes everything
            if (!s_bounded && s_eventsReady && Paravirt.IsInstalled && Paravirt.Ops.SaveFlags() != 0 && !EventChannels.InHandler)
            {
                Notify();
                Idle.WaitUntil(&HasRoom, 0, "console output");
                return true;
            }
            if (s_stalled && !HasRoom(0)) { DropBuffer(); return false; }
            uint lastCons = s_ring->OutCons;
            ulong lastProgress = Now();
            while (!HasRoom(0))
            {
                Notify();
                Hypercall.SchedOp(XenConstants.SchedOpYield, null);
                uint cons = s_ring->OutCons;
                ulong now = Now();
                if (cons != lastCons) { lastCons = cons; lastProgress = now; continue; }
                if (now - lastProgress > StallLimitNs)
                {
                    s_stalled = true;
                    DropBuffer();
                    return false;
                }
            }
            s_stalled = false;
            return true;
        }

        private static void DropBuffer()
        {
            ulong flags = Mask();
            Drop(s_pending);
            s_pending = 0;
            RestoreFlags(flags);
        }

        private static void Drop(int count)
        {
            s_dropped += (ulong)count;
            s_droppedTotal += (ulong)count;
        }

        // Says how much was lost, ahead of what follows, once there is room to say it.
        private static void ReportDropped()
        {
            if (s_dropped == 0 || !s_useRing) return;
            var builder = new TextBuilder(stackalloc char[80]); // 12 + at most 20 digits + 35
            builder.Append($"\n# console: {s_dropped} bytes dropped, xenconsoled stalled\n");
            Span<byte> notice = stackalloc byte[80];
            int n = 0;
            for (int i = 0; i < builder.Length; i++) notice[n++] = (byte)builder.Text[i];
            fixed (byte* p = notice)
            {
                if (s_ring->OutProd - s_ring->OutCons + (uint)n > ConsoleInterface.OutSize) return; // later
                WriteRing(p, n);
            }
            s_dropped = 0;
        }

        private static int WriteConsoleIo(byte* bytes, int count)
        {
            // console_io returns the bytes taken, or a negative errno; a short write is retried.
            int left = count;
            while (left > 0)
            {
                long rc = Hypercall.ConsoleIo(XenConstants.ConsoleIoWrite, (ulong)left, bytes);
                if (rc < 0) { EarlyFail(rc); return count; }
                if (rc == 0) rc = left; // Xen 4.17 returns 0 once everything was taken
                bytes += rc;
                left -= (int)rc;
            }
            return count;
        }

        // Copies what fits into the ring and notifies; returns the count copied.
        private static int WriteRing(byte* bytes, int count)
        {
            ConsoleInterface* ring = s_ring;
            uint cons = ring->OutCons;
            uint prod = ring->OutProd;
            uint free = ConsoleInterface.OutSize - (prod - cons);
            int n = (int)(free < (uint)count ? free : (uint)count);
            for (int k = 0; k < n; k++) ring->Out[prod++ & (ConsoleInterface.OutSize - 1)] = bytes[k];
            ring->OutProd = prod; // volatile store: the bytes are visible before the index (x86 TSO)
            if (n > 0) Notify();
            return n;
        }

        // Xen's clock once shared_info is mapped; before that, each look counts as a millisecond.
        private static ulong s_earlyTicks;
        private static ulong Now() => SharedInfoPage.Page != null ? PvClock.Now : (s_earlyTicks += 1_000_000);

        private static bool HasRoom(ulong unused) => s_ring->OutProd - s_ring->OutCons < ConsoleInterface.OutSize;

        // Before the ops table is installed events are masked anyway (Xen starts us so).
        private static ulong Mask() => Paravirt.IsInstalled ? Paravirt.IrqSave() : 0;

        private static void RestoreFlags(ulong flags)
        {
            if (Paravirt.IsInstalled) Paravirt.Ops.RestoreFlags(flags);
        }

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
    }
}
