using System;
using Unikernel.Core.Rings;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Console input. A domU reads the "in" half of its console ring (xenconsoled fills it and signals the
    // console event channel); dom0 reads Xen's serial input with console_io(CONSOLEIO_read) when
    // VIRQ_CONSOLE says some arrived. Reading waits in the idle loop: no polling.
    internal static unsafe class ConsoleInput
    {
        public const int MaxLine = 256;

        private static bool s_fromRing;
        private static ByteRing s_ring;
        private static uint s_port;
        private static volatile bool s_signalled;
        private static LineStorage s_line;
        private static LineAssembler s_assembler;
        private static bool s_ready;

        private struct LineStorage { public fixed byte Bytes[MaxLine]; }

        internal static void Initialize(StartInfo* startInfo)
        {
            fixed (byte* line = s_line.Bytes) s_assembler = new LineAssembler(line, MaxLine);
            if (startInfo->IsInitialDomain)
            {
                EventChannels.BindVirq(Virq.Console, &OnInput, 0);
            }
            else
            {
                var ring = (ConsoleInterface*)AddressTranslation.MachineFrameToVirtual(startInfo->ConsoleMfn);
#pragma warning disable CS0420 // ByteRing accesses the indices through Volatile itself
                s_ring = new ByteRing(ring->In, ConsoleInterface.InSize, &ring->InProd, &ring->InCons);
#pragma warning restore CS0420
                s_port = startInfo->ConsoleEvtchn;
                s_fromRing = true;
                EventChannels.Attach(s_port, &OnInput, 0);
                XenConsole.EventsReady();
            }
            s_ready = true;
        }

        // A new domain after a restore: the console's new event channel. Input typed into the old domain and
        // not read yet is still in the ring.
        internal static void Resume(StartInfo* startInfo)
        {
            if (!s_fromRing) return;
            s_port = startInfo->ConsoleEvtchn;
            EventChannels.Attach(s_port, &OnInput, 0);
        }

        // Reads at least one byte, waiting for input. Returns the count.
        public static int Read(Span<byte> buffer)
        {
            if (!s_ready) Panic.Fail("console input used before the platform started");
            if (buffer.IsEmpty) return 0;
            while (true)
            {
                s_signalled = false; // before reading: a signal that comes after the read wakes the wait
                int n = s_fromRing ? ReadRing(buffer) : ReadConsoleIo(buffer);
                if (n > 0) return n;
                Idle.WaitUntil(&HasInput, 0, "console read");
            }
        }

        // Reads what has arrived, without waiting: the count, 0 when nothing has.
        public static int TryRead(Span<byte> buffer)
        {
            if (!s_ready) Panic.Fail("console input used before the platform started");
            if (buffer.IsEmpty) return 0;
            s_signalled = false;
            return s_fromRing ? ReadRing(buffer) : ReadConsoleIo(buffer);
        }

        // Whether input may have arrived (a wait condition: true can be stale on dom0, TryRead then gives 0).
        public static bool MayHaveInput => s_ready && HasInput(0);

        // Reads one line (without its end) into line and returns its length; truncated says it was longer
        // than MaxLine or than line, and was cut.
        public static int ReadLine(Span<byte> line, out bool truncated)
        {
            Span<byte> chunk = stackalloc byte[1];
            while (true)
            {
                Read(chunk);
                if (!s_assembler.Feed(chunk[0])) continue;
                ReadOnlySpan<byte> complete = s_assembler.Line;
                int n = complete.Length < line.Length ? complete.Length : line.Length;
                complete.Slice(0, n).CopyTo(line);
                truncated = s_assembler.Truncated || n < complete.Length;
                return n;
            }
        }

        private static int ReadRing(Span<byte> buffer)
        {
            int n = s_ring.Read(buffer);
            if (n < 0) Panic.Fail("console: the input ring's indices are corrupt");
            if (n > 0) EventChannels.Send(s_port); // xenconsoled may wait for room
            return n;
        }

        private static int ReadConsoleIo(Span<byte> buffer)
        {
            fixed (byte* bytes = buffer)
                return (int)Panic.Check(Hypercall.ConsoleIo(XenConstants.ConsoleIoRead, (ulong)buffer.Length, bytes), "console_io(read)");
        }

        private static void OnInput(uint port, ulong data) => s_signalled = true;

        private static bool HasInput(ulong unused) => s_fromRing ? s_ring.Available != 0 : s_signalled;
    }
}
