using System;

namespace Unikernel
{
    /// <summary>
    /// The negative errno values calls return when they fail (Linux's numbers, as Xen and its backends use
    /// them), and their names.
    /// </summary>
    public static class Errno
    {
        /// <summary>-5: an I/O error from a backend.</summary>
        public const int EIO = -5;
        /// <summary>-11: nothing to do now (a non-waiting form): try again after waiting.</summary>
        public const int EAGAIN = -11;
        /// <summary>-12: out of memory.</summary>
        public const int ENOMEM = -12;
        /// <summary>-22: an invalid argument or handle.</summary>
        public const int EINVAL = -22;
        /// <summary>-32: writing to a connection this side has closed.</summary>
        public const int EPIPE = -32;
        /// <summary>-90: a datagram too long for one packet.</summary>
        public const int EMSGSIZE = -90;
        /// <summary>-98: the port is taken (or every socket is in use).</summary>
        public const int EADDRINUSE = -98;
        /// <summary>-100: the network is not up (no vif, no address, or the backend went away).</summary>
        public const int ENETDOWN = -100;
        /// <summary>-101: the destination is off the subnet and there is no gateway.</summary>
        public const int ENETUNREACH = -101;
        /// <summary>-104: the peer reset the connection.</summary>
        public const int ECONNRESET = -104;
        /// <summary>-105: no room: every connection slot is in use.</summary>
        public const int ENOBUFS = -105;
        /// <summary>-107: the connection is not (or no longer) open.</summary>
        public const int ENOTCONN = -107;
        /// <summary>-110: the peer stopped answering (retransmissions gave up) or a wait ran out.</summary>
        public const int ETIMEDOUT = -110;
        /// <summary>-111: the peer refused the connection.</summary>
        public const int ECONNREFUSED = -111;
        /// <summary>-113: no ARP answer from the destination or the gateway.</summary>
        public const int EHOSTUNREACH = -113;

        /// <summary>The name of a negative errno ("ECONNRESET"), or "unknown error".</summary>
        public static ReadOnlySpan<char> Name(long error) => Xen.XenError.Name(error);
    }
}
