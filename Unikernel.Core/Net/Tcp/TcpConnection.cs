namespace Unikernel.Core.Net.Tcp
{
    // One slot of the pool: a transmission control block (RFC 9293 3.3.1) with its rings. Sequence numbers
    // are compared modulo 2^32 (TcpStack.Lt and friends).
    internal unsafe struct TcpConnection
    {
        public const int MaxOutOfOrder = 4; // ranges of out-of-order data held in the receive ring

        public bool Used;          // the slot holds a connection (or a closed one the application still has)
        public bool AppOwned;      // accepted or connected, and not yet closed: the handle is the application's
        public bool AppClosed;     // the application closed it: data that still arrives is thrown away
        public TcpState State;
        public TcpStatus Error;    // why it closed, for Read and Write
        public short Listener;     // the listener it came from until accepted, else -1
        public ulong AcceptOrder;  // accept the oldest established first

        public uint RemoteAddress;
        public ushort RemotePort;
        public ushort LocalPort;

        // Send sequence space: Una <= Nxt <= Max. Max is the highest sent (Nxt goes back to Una on a timeout).
        public uint Iss, SndUna, SndNxt, SndMax;
        public uint SndBase;       // the sequence number of the send ring's first byte
        public uint SndWnd, SndWl1, SndWl2;
        public byte SndShift, RcvShift;
        public bool SynAcked;
        public bool FinQueued;     // Shutdown/Close: FIN follows the queued data
        public bool WriterWaiting; // the last write did not fit: the writer adds more as ACKs free the ring
        public uint FinSeq;        // the FIN's sequence number once queued
        public int SendMss;        // payload per segment: the peer's MSS less our options (timestamps)

        // Timestamps (RFC 7323 3-5), when both SYNs carried them: TSval is our millisecond clock plus a
        // per-connection offset; TsRecent the peer's value to echo; PAWS drops what is older than it.
        public bool TsOk;
        public uint TsOffset, TsRecent, LastAckSent;
        public ulong TsRecentAt;   // when TsRecent was taken (PAWS trusts it for 24 days)

        // Receive sequence space.
        public uint Irs, RcvNxt;
        public uint RcvEdge;       // RCV.NXT + the window last sent: the right edge the peer may send up to
        public bool AckPending;
        public ulong AckDeadline;      // a delayed ACK is due; 0: none
        public int FullSegmentsUnacked;
        public int RcvMss;             // the largest segment the peer has sent (its full size)
        public bool FinReceived;
        public bool RemoteFinPending; // a FIN seen past a gap, taken when the gap fills
        public uint RemoteFinSeq;
        public int OutOfOrderCount;
        public fixed uint OutOfOrderStart[MaxOutOfOrder];
        public fixed uint OutOfOrderEnd[MaxOutOfOrder];

        // Retransmission (RFC 6298) and congestion control (RFC 5681, NewReno of RFC 6582).
        public ulong Srtt, RttVar, Rto;
        public bool HasRttSample;
        public bool RttTiming;
        public uint RttSeq;
        public ulong RttStart;
        public ulong RetransmitDeadline; // 0: not running
        public int Retries;
        public ulong PersistDeadline;    // 0: not running
        public int PersistBackoff;
        public ulong LastHeard;          // when the peer last sent anything (keep-alive)
        public int KeepAlivesSent;
        public ulong LastKeepAlive;
        public ulong CloseDeadline;      // the end of TIME-WAIT, or of an orphaned FIN-WAIT-2; 0: none
        public uint Cwnd, Ssthresh;
        public int DupAcks;
        public bool InRecovery;
        public uint Recover;

        public TcpRing Send;
        public TcpRing Receive;
    }
}
