using Unikernel.Core.Text;

namespace Unikernel.Core.Net.Tcp
{
    // What the stack has seen and done since Init; every dropped segment is counted under one reason.
    public struct TcpCounters
    {
        public ulong SegmentsIn, SegmentsOut, LargeSegmentsOut, BytesIn, BytesOut; // LargeSegmentsOut: cut into MSS packets by the device (TSO)
        public ulong Retransmits, FastRetransmits, WindowProbes, OutputFailed, LargeRefused; // LargeRefused: sent as one MSS instead
        public ulong DropBadChecksum, DropMalformed, DropNoConnection, DropOutOfWindow, DropBacklogFull;
        public ulong DropNoResources, DropOutOfOrderFull, DropOther;
        public ulong ResetsSent, ResetsReceived, OutOfOrderSegments;
        public ulong ConnectionsOpened, ConnectionsReset, ConnectionsTimedOut, TimeWaitReused;
        public ulong AcksOut, WindowUpdates, SmallWindows; // segments without data or SYN/FIN; ACKs a read made due; windows below one MSS advertised

        // One status line: name=value pairs separated by spaces.
        public void AppendTo(ref TextBuilder text)
        {
            Field(ref text, "tcp in=", SegmentsIn);
            Field(ref text, " out=", SegmentsOut);
            Field(ref text, " large-out=", LargeSegmentsOut);
            Field(ref text, " bytes-in=", BytesIn);
            Field(ref text, " bytes-out=", BytesOut);
            Field(ref text, " rexmit=", Retransmits);
            Field(ref text, " fast-rexmit=", FastRetransmits);
            Field(ref text, " probes=", WindowProbes);
            Field(ref text, " out-fail=", OutputFailed);
            Field(ref text, " large-refused=", LargeRefused);
            Field(ref text, " drop-checksum=", DropBadChecksum);
            Field(ref text, " drop-malformed=", DropMalformed);
            Field(ref text, " drop-no-conn=", DropNoConnection);
            Field(ref text, " drop-window=", DropOutOfWindow);
            Field(ref text, " drop-backlog=", DropBacklogFull);
            Field(ref text, " drop-no-res=", DropNoResources);
            Field(ref text, " drop-ooo-full=", DropOutOfOrderFull);
            Field(ref text, " drop-other=", DropOther);
            Field(ref text, " rst-out=", ResetsSent);
            Field(ref text, " rst-in=", ResetsReceived);
            Field(ref text, " ooo=", OutOfOrderSegments);
            Field(ref text, " opened=", ConnectionsOpened);
            Field(ref text, " reset=", ConnectionsReset);
            Field(ref text, " timed-out=", ConnectionsTimedOut);
            Field(ref text, " tw-reused=", TimeWaitReused);
            Field(ref text, " acks-out=", AcksOut);
            Field(ref text, " window-updates=", WindowUpdates);
            Field(ref text, " small-windows=", SmallWindows);
        }

        private static void Field(ref TextBuilder text, string name, ulong value)
        {
            text.Append(name);
            text.Append(value);
        }
    }
}
