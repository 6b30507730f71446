using System;
using Unikernel.Core.Net;
using Unikernel.Core.Net.Tcp;

namespace Unikernel.Xen
{
    // TCP on the domain's network: Core's TcpStack, its segments through NetworkInterface, its connections
    // behind the public TcpListener/TcpConnection. A call that queues output (write, read that opens the
    // window, close) is followed by a flush, so segments leave at once rather than at the next poll.
    internal static unsafe partial class NetworkService
    {
        private static TcpStack s_tcp;

        private const int MaxRingBlocks = 32;

        // Sized from memory: 64 connections with 128 KiB each way when the domain has 48 MiB free, 16 MiB in
        // all (sending: a large segment in flight while the writer fills the next; receiving: dom0 sends a
        // large segment while the last one is read, where 64 KiB made it wait for every window update);
        // 32 KiB each way from 32 MiB, fewer and smaller below (a 4 MiB domain
        // still gets 8 of 8 KiB). The rings come in blocks of at most 1 MiB:
        // the page allocator's longest run is under 2 MiB (every 2 MiB of RAM starts with its page table).
        private static bool StartTcp(uint address, ref Core.Text.TextBuilder failure)
        {
            ulong free = FramePool.FreePageCount;
            TcpConfig config = TcpConfig.Default(address, PvClock.Now ^ PvClock.ReadTsc() * 0x9E3779B97F4A7C15);
            if (free >= 12288) { config.MaxConnections = 64; config.SendBufferBytes = config.ReceiveBufferBytes = 128 * 1024; }
            else if (free >= 8192) { config.MaxConnections = 64; config.SendBufferBytes = config.ReceiveBufferBytes = 32 * 1024; }
            else if (free >= 2048) { config.MaxConnections = 16; config.SendBufferBytes = config.ReceiveBufferBytes = 16 * 1024; }
            else { config.MaxConnections = 8; config.SendBufferBytes = config.ReceiveBufferBytes = 8 * 1024; }
            config.MaxListeners = 8;
            // TSO when netfront and the interface can send large segments: whole MSS up to a 64 KiB frame.
            int large = s_interface->MaxLargeSendPayload - TcpHeader.MinLength;
            if (large > config.Mss) config.LargeSendBytes = large < TcpConfig.MaxLargeSendBytes ? large : TcpConfig.MaxLargeSendBytes;
            // Half the connections may wait to be accepted: 50 clients connecting at once (redis-benchmark)
            // would otherwise lose SYNs to a backlog of 8 and wait a second for their retransmission.
            config.Backlog = config.MaxConnections / 2 > 8 ? config.MaxConnections / 2 : 8;
            ulong statePages = ((ulong)TcpStack.StateBytes(config) + 4095) / 4096;
            int blockCount = TcpStack.RingBlocks(config, 1 << 20, out nuint blockBytes);
            if (blockCount == 0 || blockCount > MaxRingBlocks)
            {
                if (blockCount == 0) failure.Append($"one connection's TCP rings ({(ulong)TcpStack.RingBytes(config)} bytes) exceed a block of 1 MiB");
                else failure.Append($"TCP rings of {(ulong)TcpStack.RingBytes(config)} bytes per connection need {blockCount} blocks (at most {MaxRingBlocks})");
                return false;
            }
            ulong blockPages = ((ulong)blockBytes + 4095) / 4096;
            byte** blocks = stackalloc byte*[MaxRingBlocks];
            int made = 0;
            while (made < blockCount && (blocks[made] = (byte*)FramePool.AllocatePages(blockPages)) != null) made++;
            var state = made == blockCount ? (byte*)FramePool.AllocatePages(statePages) : null;
            if (state == null
                || !TcpStack.InitSplit(state, (nuint)(statePages * 4096), blocks, blockBytes, config, &TcpOutput, (ulong)s_interface, out s_tcp))
            {
                for (int b = 0; b < made; b++) FramePool.FreePages(blocks[b], blockPages);
                if (state != null) FramePool.FreePages(state, statePages);
                failure.Append("no memory for TCP");
                return false;
            }
            // Segments are built where the interface's large frames carry their payload: one copy less each.
            if (s_interface->LargeSendPayload != null) ScratchInLargeFrame(s_largeSend);
            s_interface->SetTcpHandler(&TcpInput, 0);
            return true;
        }

        private static void TcpInput(ulong context, uint source, uint destination, ReadOnlySpan<byte> segment, bool validated, ulong now) =>
            s_tcp.Receive(source, destination, segment, validated, now);

        private static bool TcpOutput(ulong context, uint destination, byte protocol, ReadOnlySpan<byte> segment, int segmentSize, ulong now) =>
            ((NetworkInterface*)context)->SendIpv4(destination, protocol, segment, segmentSize, now);

        private static void FlushTcp() => s_tcp.Poll(PvClock.Now);

        private static void FlushTcp(int conn) => s_tcp.Flush(conn, PvClock.Now);

        private static long Errno(int status) => (TcpStatus)status switch
        {
            TcpStatus.WouldBlock => XenError.EAGAIN,
            TcpStatus.Reset => XenError.ECONNRESET,
            TcpStatus.Closed => XenError.EPIPE,
            TcpStatus.NoResources => XenError.ENOBUFS,
            TcpStatus.TimedOut => XenError.ETIMEDOUT,
            TcpStatus.AddressInUse => XenError.EADDRINUSE,
            TcpStatus.InvalidHandle => XenError.ENOTCONN,
            _ => XenError.EINVAL,
        };

        public static long TcpListen(ushort port)
        {
            if (!Start()) return XenError.ENETDOWN;
            int rc = s_tcp.Listen(port);
            return rc >= 0 ? rc : Errno(rc);
        }

        public static bool TcpHasPendingAccept(int listener) => s_started && s_tcp.HasPendingAccept(listener);

        public static void TcpStopListening(int listener)
        {
            if (!s_started) return;
            s_tcp.CloseListener(listener);
            FlushTcp();
        }

        public static long TcpAccept(int listener, bool wait, out TcpConnection connection)
        {
            connection = default;
            if (!s_started) return XenError.ENETDOWN;
            while (true)
            {
                int rc = s_tcp.Accept(listener);
                if (rc >= 0)
                {
                    connection.Handle = rc + 1;
                    return 0;
                }
                if (rc != (int)TcpStatus.WouldBlock || !wait) return Errno(rc);
                Idle.WaitUntil(&PendingAccept, (ulong)listener, "TcpListener.Accept");
            }
        }

        private static bool PendingAccept(ulong listener) => s_tcp.HasPendingAccept((int)listener);

        public static long TcpConnect(uint address, ushort port, out TcpConnection connection)
        {
            connection = default;
            if (!Start()) return XenError.ENETDOWN;
            int rc = s_tcp.Connect(address, port);
            if (rc < 0) return Errno(rc);
            FlushTcp();
            Idle.WaitUntil(&ConnectDone, (ulong)rc, "TcpConnection.Connect");
            TcpState state = s_tcp.State(rc);
            if (state == TcpState.Established || state == TcpState.CloseWait)
            {
                connection.Handle = rc + 1;
                return 0;
            }
            int error = s_tcp.Read(rc, default);
            s_tcp.Abort(rc);
            return error == (int)TcpStatus.Reset ? XenError.ECONNREFUSED : error < 0 ? Errno(error) : XenError.ECONNREFUSED;
        }

        private static bool ConnectDone(ulong conn) => s_tcp.State((int)conn) != TcpState.SynSent;

        public static uint TcpRemoteAddress(int conn) => s_started ? s_tcp.RemoteAddress(conn) : 0;

        public static ushort TcpRemotePort(int conn) => s_started ? s_tcp.RemotePort(conn) : (ushort)0;

        public static bool TcpCanRead(int conn) => !s_started || s_tcp.CanRead(conn);

        public static bool TcpCanWrite(int conn) => !s_started || s_tcp.CanWrite(conn);

        public static int TcpRead(int conn, Span<byte> buffer, bool wait)
        {
            if (!s_started) return (int)XenError.ENOTCONN;
            while (true)
            {
                int n = s_tcp.Read(conn, buffer);
                if (n >= 0)
                {
                    if (n > 0) FlushTcp(conn); // a window update may be due
                    return n;
                }
                if (n != (int)TcpStatus.WouldBlock || !wait) return (int)Errno(n);
                Idle.WaitUntil(&Readable, (ulong)conn, "TcpConnection.Read");
            }
        }

        private static bool Readable(ulong conn) => s_tcp.CanRead((int)conn);
        private static bool Writable(ulong conn) => s_tcp.CanWrite((int)conn);

        public static int TcpWrite(int conn, ReadOnlySpan<byte> data, bool wait)
        {
            if (!s_started) return (int)XenError.ENOTCONN;
            int done = 0;
            while (true)
            {
                int n = s_tcp.Write(conn, data.Slice(done));
                if (n > 0)
                {
                    done += n;
                    if (s_tcp.FlushWritten(conn, PvClock.Now)) Idle.Kick(); // the poller sends the tail before the CPU idles
                    if (!wait || done == data.Length) return wait ? 0 : done;
                    continue;
                }
                if (n == 0 && done == data.Length) return 0;
                if (n != (int)TcpStatus.WouldBlock) return (int)Errno(n);
                if (!wait) return (int)XenError.EAGAIN;
                Idle.WaitUntil(&Writable, (ulong)conn, "TcpConnection.Write");
            }
        }

        public static void TcpClose(int conn, bool abort)
        {
            if (!s_started) return;
            if (abort) s_tcp.Abort(conn);
            else s_tcp.Close(conn);
            FlushTcp(conn);
        }
    }
}
