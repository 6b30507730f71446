namespace Unikernel.Core.Net.Tcp
{
    // The connection states of RFC 9293 3.3.2.
    public enum TcpState : byte
    {
        Closed, Listen, SynSent, SynReceived, Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait,
    }

    // What an API call returns instead of a count or handle when it cannot do what was asked (all negative,
    // so a non-negative return is always a count or a handle).
    public enum TcpStatus
    {
        Ok = 0,
        WouldBlock = -1,    // nothing to read, no room to write, no connection to accept: try again later
        Reset = -2,         // the peer reset the connection (or refused it)
        Closed = -3,        // writing after Shutdown/Close, or the connection is gone
        InvalidHandle = -4,
        NoResources = -5,   // the pool of connections or listeners is full
        TimedOut = -6,      // retransmissions gave up
        AddressInUse = -7,  // a listener already has the port
        InvalidState = -8,
    }

    // Sizes and timers of a TcpStack, fixed at Init. Times are nanoseconds.
    public struct TcpConfig
    {
        public uint LocalAddress;       // IPv4, host order; the source of every segment's pseudo-header
        public int MaxConnections;
        public int MaxListeners;
        public int Backlog;             // connections a listener holds that are not yet accepted
        public int SendBufferBytes;
        public int ReceiveBufferBytes;
        public int Mss;                 // the largest segment payload advertised, and sent when LargeSendBytes is 0
        public int LargeSendBytes;      // TSO: the most payload handed down as one segment, which the device cuts
                                        // into packets of the connection's MSS; 0: one MSS a segment
        public ulong Msl;               // maximum segment lifetime; TIME-WAIT lasts 2 * Msl
        public ulong InitialRto;        // RFC 6298 2.1: 1 s
        public ulong MinRto;            // RFC 6298 says 1 s; 200 ms suits the LAN a unikernel sits on
        public ulong MaxRto;            // backoff stops doubling here (RFC 6298 2.5 allows a 60 s cap)
        public int MaxRetransmissions;  // timeouts in a row before the connection is aborted
        public ulong FinWait2Timeout;   // how long a closed connection waits for the peer's FIN (its slot is held)
        public ulong DelayedAck;        // how long an ACK of in-order data may wait (RFC 1122: < 500 ms); 0: never
        public ulong KeepAliveIdle;     // silence before keep-alive probes (RFC 1122 4.2.3.6); 0: none (the default)
        public ulong KeepAliveInterval; // between unanswered probes
        public int KeepAliveProbes;     // unanswered probes before the connection is given up
        public ulong IsnSeed;           // a secret for initial sequence numbers (RFC 6528)

        public const ulong Millisecond = 1_000_000;
        // An IPv4 packet's 65535 bytes less the IPv4 and TCP headers (a data segment carries no options), less the
        // 14-byte Ethernet header: netif.h's first tx slot gives the whole frame's size in 16 bits.
        public const int MaxLargeSendBytes = 65535 - 14 - 20 - 20;

        public static TcpConfig Default(uint localAddress, ulong isnSeed) => new TcpConfig
        {
            LocalAddress = localAddress,
            MaxConnections = 16,
            MaxListeners = 4,
            Backlog = 8,
            SendBufferBytes = 32 * 1024,
            ReceiveBufferBytes = 32 * 1024,
            Mss = 1460,
            Msl = 1000 * Millisecond,
            InitialRto = 1000 * Millisecond,
            MinRto = 200 * Millisecond,
            MaxRto = 60_000 * Millisecond,
            MaxRetransmissions = 8,
            FinWait2Timeout = 60_000 * Millisecond,
            DelayedAck = 40 * Millisecond,
            KeepAliveIdle = 0,
            KeepAliveInterval = 75_000 * Millisecond,
            KeepAliveProbes = 9,
            IsnSeed = isnSeed,
        };

        public bool IsValid =>
            MaxConnections > 0 && MaxConnections <= 4096 && MaxListeners >= 0 && MaxListeners <= 256 && Backlog > 0
            && SendBufferBytes > 0 && SendBufferBytes <= 1 << 24 && ReceiveBufferBytes > 0 && ReceiveBufferBytes <= 1 << 24
            && Mss >= 64 && Mss <= 65495 && (LargeSendBytes == 0 || (LargeSendBytes >= Mss && LargeSendBytes <= MaxLargeSendBytes)) && MinRto > 0 && InitialRto >= MinRto && MaxRto >= InitialRto
            && MaxRetransmissions > 0 && MaxRetransmissions < 32 && FinWait2Timeout > 0 && DelayedAck < 500 * Millisecond
            && (KeepAliveIdle == 0 || (KeepAliveInterval > 0 && KeepAliveProbes > 0));
    }
}
