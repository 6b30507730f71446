using System;

namespace Unikernel
{
    /// <summary>
    /// One TCP connection, accepted from a <see cref="TcpListener"/> or made with <see cref="Connect"/>. Bytes
    /// written are queued in the connection's send buffer and sent (and resent) by the stack: at once when
    /// nothing sent before is still unacknowledged, else with the next full segment or when the program next
    /// waits (so successive small writes leave together); bytes received wait in its receive buffer until read. Each call has a waiting form and a non-waiting one (<c>Try...</c>,
    /// <see cref="Errno.EAGAIN"/> when it would wait). Errors are negative <see cref="Errno"/> values:
    /// <c>ECONNRESET</c> the peer reset it, <c>ETIMEDOUT</c> the peer stopped answering, <c>EPIPE</c> writing
    /// after <see cref="Close"/>, <c>ENOTCONN</c> not a connection (any more).
    /// </summary>
    public struct TcpConnection
    {
        internal int Handle; // connection + 1; 0: none

        /// <summary>Whether this holds a connection (not yet closed by this side).</summary>
        public bool IsOpen => Handle != 0;

        /// <summary>Connects to <paramref name="address"/>:<paramref name="port"/>, waiting (at most the
        /// retransmission limit, about a minute) for the handshake: 0 or a negative <see cref="Errno"/>
        /// (<c>ECONNREFUSED</c>, <c>ETIMEDOUT</c>, <c>ENETDOWN</c>, <c>ENOBUFS</c>).</summary>
        public static long Connect(IPv4Address address, ushort port, out TcpConnection connection) =>
            Xen.NetworkService.TcpConnect(address.Value, port, out connection);

        /// <summary>The peer's address.</summary>
        public IPv4Address RemoteAddress => new IPv4Address(Xen.NetworkService.TcpRemoteAddress(Handle - 1));

        /// <summary>The peer's port.</summary>
        public ushort RemotePort => Xen.NetworkService.TcpRemotePort(Handle - 1);

        /// <summary>Whether a read would not wait: data, the end of the stream or an error is there.</summary>
        public bool CanRead => Handle == 0 || Xen.NetworkService.TcpCanRead(Handle - 1);

        /// <summary>Whether a write would not wait: the send buffer has room (or the connection failed).</summary>
        public bool CanWrite => Handle == 0 || Xen.NetworkService.TcpCanWrite(Handle - 1);

        /// <summary>Copies received bytes into <paramref name="buffer"/>: their count, 0 at the end of the
        /// stream (the peer closed its side), <c>EAGAIN</c> when nothing has arrived, or another negative errno.</summary>
        public int TryRead(Span<byte> buffer) => Xen.NetworkService.TcpRead(Handle - 1, buffer, false);

        /// <summary>As <see cref="TryRead"/>, but waits until something arrives.</summary>
        public int Read(Span<byte> buffer) => Xen.NetworkService.TcpRead(Handle - 1, buffer, true);

        /// <summary>Queues what fits of <paramref name="data"/>: the count queued, <c>EAGAIN</c> when the
        /// send buffer is full, or another negative errno.</summary>
        public int TryWrite(ReadOnlySpan<byte> data) => Xen.NetworkService.TcpWrite(Handle - 1, data, false);

        /// <summary>Queues all of <paramref name="data"/>, waiting for room as the peer acknowledges: 0, or a
        /// negative errno (what was queued before the error may have been sent).</summary>
        public long Write(ReadOnlySpan<byte> data) => Xen.NetworkService.TcpWrite(Handle - 1, data, true);

        /// <summary>Closes gracefully: what is queued is still delivered, then a FIN; the stack finishes the
        /// close on its own. This handle is no longer usable afterwards.</summary>
        public void Close()
        {
            if (Handle != 0) Xen.NetworkService.TcpClose(Handle - 1, abort: false);
            Handle = 0;
        }

        /// <summary>Resets the connection (RST): queued data is dropped.</summary>
        public void Abort()
        {
            if (Handle != 0) Xen.NetworkService.TcpClose(Handle - 1, abort: true);
            Handle = 0;
        }
    }
}
