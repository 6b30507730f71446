using Xen = Unikernel.Xen;
using System;

namespace Unikernel
{
    /// <summary>
    /// A UDP port of our address. Datagrams that arrive are queued (up to <see cref="QueueLength"/>, more are
    /// dropped and counted) until read. Errors are negative errno values: <c>-EAGAIN</c> (-11) nothing queued
    /// (non-waiting form), <c>-ENETDOWN</c> (-100) no network, <c>-EADDRINUSE</c> (-98) the port is taken or every
    /// socket is in use, <c>-EMSGSIZE</c> (-90) over 1472 bytes, <c>-EHOSTUNREACH</c> (-113) no ARP answer within
    /// 3 s, <c>-ENETUNREACH</c> (-101) off the subnet with no gateway.
    /// </summary>
    public unsafe struct UdpSocket
    {
        /// <summary>How many datagrams a socket holds before it drops.</summary>
        public const int QueueLength = Xen.NetworkService.UdpQueueLength;

        /// <summary>The largest datagram payload (a 1500-byte MTU, no fragments).</summary>
        public const int MaxPayload = Xen.NetworkService.UdpMaxPayload;

        private ushort _port;

        /// <summary>The local port; 0 for a socket that is not bound.</summary>
        public ushort Port => _port;

        /// <summary>Whether a datagram is queued (a read would not wait).</summary>
        public bool HasDatagram => _port != 0 && Xen.NetworkService.UdpHasDatagram(_port);

        /// <summary>Binds <paramref name="port"/> (starting the network if needed); 0 or a negative errno.</summary>
        public static long Bind(ushort port, out UdpSocket socket)
        {
            socket = default;
            long rc = Xen.NetworkService.UdpBind(port);
            if (rc == 0) socket._port = port;
            return rc;
        }

        /// <summary>Waits for a datagram; copies what fits into <paramref name="buffer"/> and returns the
        /// datagram's whole length (more than the buffer's: it was cut), or a negative errno.</summary>
        public int Receive(Span<byte> buffer, out IPv4Address from, out ushort fromPort)
        {
            int n = Xen.NetworkService.UdpReceive(_port, buffer, out uint address, out fromPort, wait: true);
            from = new IPv4Address(address);
            return n;
        }

        /// <summary>As <see cref="Receive"/>, but returns <c>-EAGAIN</c> at once when nothing is queued.</summary>
        public int TryReceive(Span<byte> buffer, out IPv4Address from, out ushort fromPort)
        {
            int n = Xen.NetworkService.UdpReceive(_port, buffer, out uint address, out fromPort, wait: false);
            from = new IPv4Address(address);
            return n;
        }

        /// <summary>Sends one datagram (waiting, at most 3 s, for the neighbour's ARP answer); 0 or a negative errno.</summary>
        public long SendTo(IPv4Address to, ushort port, ReadOnlySpan<byte> data) => Xen.NetworkService.UdpSend(_port, to.Value, port, data);

        /// <summary>Unbinds the port; queued datagrams are dropped.</summary>
        public void Close()
        {
            Xen.NetworkService.UdpUnbind(_port);
            _port = 0;
        }
    }
}
