using System;

namespace Unikernel.Core.Net.Tcp
{
    // A TCP (RFC 9293) over IPv4 for one local address, in one block of caller memory sized by BytesNeeded:
    // a fixed pool of connections with their send and receive rings, listeners, and one scratch buffer every
    // outgoing segment is built in. Nothing is allocated after Init. The IP layer hands segments to Receive
    // and takes them through the output function; the platform calls Poll by NextDeadline. Application calls
    // (Write, Close, Connect) only queue: their segments go out at the next Poll, which NextDeadline asks for
    // at once (0). The struct is a pointer to the block, so copies of it are the same stack. Connection handles
    // are slot numbers: after Close or Abort a handle is invalid and its slot may serve a new connection.
    public unsafe partial struct TcpStack
    {
        public const byte Protocol = 6;

        private struct Listener
        {
            public bool Open;
            public ushort Port;
        }

        private struct StackState
        {
            public TcpConfig Config;
            public TcpCounters Counters;
            public delegate*<ulong, uint, byte, ReadOnlySpan<byte>, int, ulong, bool> Output;
            public ulong Context;
            public uint LocalAddress;
            public ulong LastNow;
            public ulong AcceptCounter;
            public uint IsnCounter;
            public ushort NextEphemeralPort;
            public bool OutputPending;
            public bool DeferOutput;
            public bool AckNow;   // the segment being taken must be answered even while output is deferred
            public ulong RetryAt; // when output the device refused is tried again; 0: nothing refused
            public byte RcvShift;
            public TcpConnection* Connections;
            public Listener* Listeners;
            public byte* Scratch;
            public int ScratchLength;
        }

        private readonly StackState* _s;

        private TcpStack(StackState* state) => _s = state;

        public bool IsInitialized => _s != null;

        // While set, what a received segment makes due (its ACK, data the ACK let out) waits for the next Poll
        // instead of leaving at once: the platform sets it around a batch of received packets, so one ACK
        // answers the batch (a stretch ACK, as receivers with GRO send) and the peer's work per byte drops.
        public bool DeferOutput
        {
            get => _s->DeferOutput;
            set => _s->DeferOutput = value;
        }

        private const int TimestampOptionBytes = 12; // kind 8, length 10, padded with two NOPs

        private static nuint Align(nuint n) => (n + 15) & ~(nuint)15;

        private static nuint ScratchBytes(in TcpConfig config) =>
            (nuint)((config.LargeSendBytes > config.Mss ? config.LargeSendBytes : config.Mss) + TcpHeader.MaxLength);

        // The memory Init needs for config; 0 if the config is not valid.
        public static nuint BytesNeeded(in TcpConfig config) =>
            config.IsValid ? StateBytes(config) + (nuint)config.MaxConnections * RingBytes(config) : 0;

        // Split layout (InitSplit): the state without the rings, and one connection's send and receive rings.
        public static nuint StateBytes(in TcpConfig config) =>
            Align((nuint)sizeof(StackState)) + Align((nuint)config.MaxConnections * (nuint)sizeof(TcpConnection))
            + Align((nuint)config.MaxListeners * (nuint)sizeof(Listener)) + Align(ScratchBytes(config));

        public static nuint RingBytes(in TcpConfig config) => Align((nuint)config.SendBufferBytes) + Align((nuint)config.ReceiveBufferBytes);

        // Lays the stack out in memory (at least BytesNeeded(config) bytes, 16-byte aligned is best).
        // output(context, destination, protocol, segment, segmentSize, now) sends one segment; segmentSize is 0
        // for one packet, else the MSS the device cuts a large segment into (its checksum then holds only the
        // pseudo-header's sum, which the device completes per packet: CHECKSUM_PARTIAL). False if the config is not valid
        // or the memory too small.
        public static bool Init(byte* memory, nuint bytes, in TcpConfig config,
            delegate*<ulong, uint, byte, ReadOnlySpan<byte>, int, ulong, bool> output, ulong context, out TcpStack stack)
        {
            stack = default;
            nuint needed = BytesNeeded(config);
            if (needed == 0 || bytes < needed || memory == null) return false;
            byte* rings = memory + StateBytes(config);
            return InitSplit(memory, StateBytes(config), &rings, RingBytes(config) * (nuint)config.MaxConnections, config, output, context, out stack);
        }

        // How a platform whose longest run of memory is maxBlockBytes lays the rings out for InitSplit: blocks of
        // blockBytes (whole connections' rings), the count returned; 0 if one connection's rings do not fit a
        // block or the config is not valid. The caller's array of block pointers must hold that many.
        public static int RingBlocks(in TcpConfig config, nuint maxBlockBytes, out nuint blockBytes)
        {
            blockBytes = 0;
            if (!config.IsValid) return 0;
            nuint ring = RingBytes(config), perBlock = maxBlockBytes / ring;
            if (perBlock == 0) return 0;
            if (perBlock > (nuint)config.MaxConnections) perBlock = (nuint)config.MaxConnections;
            blockBytes = perBlock * ring;
            return (int)(((nuint)config.MaxConnections + perBlock - 1) / perBlock);
        }

        // As Init, with the connections' rings in memory of their own: blocks[0..count) each of blockBytes (a
        // multiple of RingBytes), together holding MaxConnections connections' rings. For a platform whose
        // longest run of pages is shorter than the whole.
        public static bool InitSplit(byte* memory, nuint bytes, byte** blocks, nuint blockBytes, in TcpConfig config,
            delegate*<ulong, uint, byte, ReadOnlySpan<byte>, int, ulong, bool> output, ulong context, out TcpStack stack)
        {
            stack = default;
            if (!config.IsValid || memory == null || blocks == null || output == null) return false;
            nuint needed = StateBytes(config), perBlock = blockBytes / RingBytes(config);
            if (bytes < needed || perBlock == 0) return false;
            int blockCount = (int)(((nuint)config.MaxConnections + perBlock - 1) / perBlock);
            for (int b = 0; b < blockCount; b++) if (blocks[b] == null) return false;
            for (nuint i = 0; i < needed; i++) memory[i] = 0;
            byte* p = memory;
            StackState* s = (StackState*)p;
            p += Align((nuint)sizeof(StackState));
            s->Config = config;
            s->Output = output;
            s->Context = context;
            s->LocalAddress = config.LocalAddress;
            s->NextEphemeralPort = (ushort)(49152 + (config.IsnSeed % 16384));
            s->Connections = (TcpConnection*)p;
            p += Align((nuint)config.MaxConnections * (nuint)sizeof(TcpConnection));
            s->Listeners = (Listener*)p;
            p += Align((nuint)config.MaxListeners * (nuint)sizeof(Listener));
            s->Scratch = p;
            s->ScratchLength = (int)ScratchBytes(config);
            for (int i = 0; i < config.MaxConnections; i++)
            {
                byte* r = blocks[(nuint)i / perBlock] + (nuint)i % perBlock * RingBytes(config);
                s->Connections[i].Send.Init(r, config.SendBufferBytes);
                r += Align((nuint)config.SendBufferBytes);
                s->Connections[i].Receive.Init(r, config.ReceiveBufferBytes);
            }
            // RFC 7323 2.3: the smallest shift that lets the window field cover the whole receive ring.
            byte shift = 0;
            while (shift < TcpHeader.MaxWindowScale && (config.ReceiveBufferBytes >> shift) > 0xFFFF) shift++;
            s->RcvShift = shift;
            stack = new TcpStack(s);
            return true;
        }

        // Segments are built in buffer from now on instead of the stack's own scratch memory (buffer must hold
        // at least ScratchSize bytes and stay put until the next call, which may also come from the output
        // callback once it has taken its segment): a platform points it where its IP layer's large frames
        // carry their payload, so a large segment is not copied once more on its way to the device. False, and
        // nothing changes, if it is too small.
        public bool UseScratch(byte* buffer, int bytes)
        {
            if (buffer == null || bytes < _s->ScratchLength) return false;
            _s->Scratch = buffer;
            return true;
        }

        public int ScratchSize => _s->ScratchLength;

        public ref TcpCounters Counters => ref _s->Counters;
        public uint LocalAddress => _s->LocalAddress;

        // The address may come later (DHCP); connections made before keep working only if it stays the same.
        public void SetLocalAddress(uint address) => _s->LocalAddress = address;

        private ref TcpConnection Conn(int i) => ref _s->Connections[i];
        private int MaxConnections => _s->Config.MaxConnections;

        // Sequence number order modulo 2^32 (RFC 9293 3.4).
        internal static bool Lt(uint a, uint b) => (int)(a - b) < 0;
        internal static bool Le(uint a, uint b) => (int)(a - b) <= 0;
        internal static bool Gt(uint a, uint b) => (int)(a - b) > 0;
        internal static bool Ge(uint a, uint b) => (int)(a - b) >= 0;

        private static int Min(int a, int b) => a < b ? a : b;
        private static int Max(int a, int b) => a > b ? a : b;
        private static ulong Min(ulong a, ulong b) => a < b ? a : b;
        private static ulong Max(ulong a, ulong b) => a > b ? a : b;

        // ---- Listeners ----

        // Starts listening on port; returns the listener handle or a TcpStatus.
        public int Listen(ushort port)
        {
            if (port == 0) return (int)TcpStatus.InvalidState;
            int free = -1;
            for (int i = 0; i < _s->Config.MaxListeners; i++)
            {
                if (_s->Listeners[i].Open && _s->Listeners[i].Port == port) return (int)TcpStatus.AddressInUse;
                if (!_s->Listeners[i].Open && free < 0) free = i;
            }
            if (free < 0) return (int)TcpStatus.NoResources;
            _s->Listeners[free].Open = true;
            _s->Listeners[free].Port = port;
            return free;
        }

        // Stops listening; connections not yet accepted are reset.
        public TcpStatus CloseListener(int listener)
        {
            if (!ValidListener(listener)) return TcpStatus.InvalidHandle;
            _s->Listeners[listener].Open = false;
            for (int i = 0; i < MaxConnections; i++)
            {
                ref TcpConnection c = ref Conn(i);
                if (c.Used && c.Listener == listener) AbortConnection(i, _s->LastNow);
            }
            return TcpStatus.Ok;
        }

        private bool ValidListener(int listener) =>
            listener >= 0 && listener < _s->Config.MaxListeners && _s->Listeners[listener].Open;

        // The oldest established connection waiting on listener, or -1.
        private int PendingAccept(int listener)
        {
            int best = -1;
            for (int i = 0; i < MaxConnections; i++)
            {
                ref TcpConnection c = ref Conn(i);
                if (!c.Used || c.Listener != listener || c.AppOwned) continue;
                if (c.State != TcpState.Established && c.State != TcpState.CloseWait) continue;
                if (best < 0 || c.AcceptOrder < Conn(best).AcceptOrder) best = i;
            }
            return best;
        }

        private int Pending(int listener)
        {
            int n = 0;
            for (int i = 0; i < MaxConnections; i++)
                if (Conn(i).Used && Conn(i).Listener == listener) n++;
            return n;
        }

        public bool HasPendingAccept(int listener) => ValidListener(listener) && PendingAccept(listener) >= 0;

        // Takes an established connection off the listener: its handle, or WouldBlock when none waits.
        public int Accept(int listener)
        {
            if (!ValidListener(listener)) return (int)TcpStatus.InvalidHandle;
            int i = PendingAccept(listener);
            if (i < 0) return (int)TcpStatus.WouldBlock;
            Conn(i).AppOwned = true;
            Conn(i).Listener = -1;
            return i;
        }

        // ---- Connections ----

        // Active open (RFC 9293 3.10.1): the SYN goes out at the next Poll. Returns the handle or a TcpStatus.
        public int Connect(uint remoteAddress, ushort remotePort)
        {
            if (remotePort == 0 || remoteAddress == 0) return (int)TcpStatus.InvalidState;
            ushort localPort = EphemeralPort(remoteAddress, remotePort);
            if (localPort == 0) return (int)TcpStatus.NoResources;
            int i = Allocate();
            if (i < 0)
            {
                _s->Counters.DropNoResources++;
                return (int)TcpStatus.NoResources;
            }
            Setup(i, remoteAddress, remotePort, localPort, -1, _s->LastNow);
            ref TcpConnection c = ref Conn(i);
            c.AppOwned = true;
            c.State = TcpState.SynSent;
            c.RcvShift = _s->RcvShift;
            _s->OutputPending = true;
            return i;
        }

        private ushort EphemeralPort(uint remoteAddress, ushort remotePort)
        {
            for (int tries = 0; tries < 16384; tries++)
            {
                ushort port = _s->NextEphemeralPort;
                _s->NextEphemeralPort = port == 65535 ? (ushort)49152 : (ushort)(port + 1);
                if (!PortInUse(port)) return port;
            }
            return 0;
        }

        private bool PortInUse(ushort port)
        {
            for (int i = 0; i < _s->Config.MaxListeners; i++)
                if (_s->Listeners[i].Open && _s->Listeners[i].Port == port) return true;
            for (int i = 0; i < MaxConnections; i++)
                if (Conn(i).Used && Conn(i).LocalPort == port) return true;
            return false;
        }

        private bool Valid(int conn) => conn >= 0 && conn < MaxConnections && Conn(conn).Used && Conn(conn).AppOwned;

        public TcpState State(int conn) => Valid(conn) ? Conn(conn).State : TcpState.Closed;

        public uint RemoteAddress(int conn) => Valid(conn) ? Conn(conn).RemoteAddress : 0;

        public ushort RemotePort(int conn) => Valid(conn) ? Conn(conn).RemotePort : (ushort)0;

        // Copies received bytes into destination: the count, 0 at the end of the stream (the peer's FIN), or
        // WouldBlock, Reset, TimedOut, InvalidHandle.
        public int Read(int conn, Span<byte> destination)
        {
            if (!Valid(conn)) return (int)TcpStatus.InvalidHandle;
            ref TcpConnection c = ref Conn(conn);
            if (c.Receive.Count > 0)
            {
                if (destination.Length == 0) return 0;
                int n = c.Receive.Read(destination);
                // Announce the window again once its right edge would move by a useful amount (RFC 9293
                // 3.8.6.2.2) and the peer has less than half of it left: while it still has more, it keeps
                // sending and the ACKs of that data carry the new window, so a window update of its own would
                // only be one more packet for the peer to take in (Linux's tcp_cleanup_rbuf does the same).
                int window = ReceiveWindow(ref c), left = Gt(c.RcvEdge, c.RcvNxt) ? (int)(c.RcvEdge - c.RcvNxt) : 0;
                int gain = window - left;
                if (gain >= Min(c.Receive.Capacity / 2, 2 * _s->Config.Mss) && window >= 2 * left && c.State != TcpState.SynSent)
                {
                    if (!c.AckPending) _s->Counters.WindowUpdates++;
                    c.AckPending = true;
                    _s->OutputPending = true;
                }
                return n;
            }
            if (c.FinReceived) return 0;
            if (c.Error != TcpStatus.Ok) return (int)c.Error;
            if (c.State == TcpState.Closed) return 0;
            return (int)TcpStatus.WouldBlock;
        }

        // Queues bytes to send: the count taken (maybe fewer than given), or WouldBlock when the send ring is
        // full, Closed after Shutdown, Reset, TimedOut, InvalidHandle.
        public int Write(int conn, ReadOnlySpan<byte> data)
        {
            if (!Valid(conn)) return (int)TcpStatus.InvalidHandle;
            ref TcpConnection c = ref Conn(conn);
            if (c.Error != TcpStatus.Ok) return (int)c.Error;
            if (c.FinQueued) return (int)TcpStatus.Closed;
            switch (c.State)
            {
                case TcpState.SynSent: case TcpState.SynReceived: case TcpState.Established: case TcpState.CloseWait: break;
                default: return (int)TcpStatus.Closed;
            }
            if (data.Length == 0) return 0;
            int n = c.Send.Append(data);
            c.WriterWaiting = n < data.Length;
            if (n == 0) return (int)TcpStatus.WouldBlock;
            _s->OutputPending = true;
            return n;
        }

        public bool CanRead(int conn)
        {
            if (!Valid(conn)) return true; // a waiter wakes and reads the error
            ref TcpConnection c = ref Conn(conn);
            return c.Receive.Count > 0 || c.FinReceived || c.Error != TcpStatus.Ok || c.State == TcpState.Closed;
        }

        public bool CanWrite(int conn)
        {
            if (!Valid(conn)) return true;
            ref TcpConnection c = ref Conn(conn);
            if (c.Error != TcpStatus.Ok || c.FinQueued) return true;
            bool open = c.State == TcpState.Established || c.State == TcpState.CloseWait;
            return !open || c.Send.Free > 0;
        }

        // Bytes queued and not yet acknowledged by the peer.
        public int Unacknowledged(int conn) => Valid(conn) ? Conn(conn).Send.Count : 0;

        // Half-close: a FIN follows the queued data; reading goes on. Before the handshake completes it aborts.
        public TcpStatus Shutdown(int conn)
        {
            if (!Valid(conn)) return TcpStatus.InvalidHandle;
            ref TcpConnection c = ref Conn(conn);
            switch (c.State)
            {
                case TcpState.Established: c.State = TcpState.FinWait1; break;
                case TcpState.CloseWait: c.State = TcpState.LastAck; break;
                case TcpState.SynSent: case TcpState.SynReceived:
                    AbortConnection(conn, _s->LastNow);
                    return TcpStatus.Ok;
                default: return TcpStatus.Ok; // already closing or closed
            }
            c.FinQueued = true;
            c.FinSeq = c.SndBase + (uint)c.Send.Count;
            _s->OutputPending = true;
            return TcpStatus.Ok;
        }

        // Graceful close (RFC 9293 3.10.4): Shutdown, and the handle is given up; the connection finishes on its
        // own and its slot is freed when it reaches CLOSED (after TIME-WAIT if this side closed first).
        public TcpStatus Close(int conn)
        {
            if (!Valid(conn)) return TcpStatus.InvalidHandle;
            Shutdown(conn);
            ref TcpConnection c = ref Conn(conn);
            if (!c.Used) return TcpStatus.Ok; // Shutdown aborted it
            c.AppOwned = false;
            c.AppClosed = true;
            c.Receive.Discard(c.Receive.Count);
            c.OutOfOrderCount = 0;
            if (c.State == TcpState.Closed) Free(conn);
            else if (c.State == TcpState.FinWait2) c.CloseDeadline = _s->LastNow + _s->Config.FinWait2Timeout;
            return TcpStatus.Ok;
        }

        // Abort (RFC 9293 3.10.5): a RST to the peer if synchronized, and the slot is freed at once.
        public TcpStatus Abort(int conn)
        {
            if (!Valid(conn)) return TcpStatus.InvalidHandle;
            AbortConnection(conn, _s->LastNow);
            return TcpStatus.Ok;
        }

        private void AbortConnection(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            switch (c.State)
            {
                case TcpState.SynReceived: case TcpState.Established: case TcpState.FinWait1: case TcpState.FinWait2:
                case TcpState.CloseWait:
                    SendReset(c.RemoteAddress, c.LocalPort, c.RemotePort, c.SndMax, 0, false, now);
                    break;
            }
            Free(i);
        }

        // ---- The pool ----

        // A free slot, else the TIME-WAIT connection nearest its end (RFC 9293 allows cutting TIME-WAIT short
        // when resources run out), else -1.
        private int Allocate()
        {
            int timeWait = -1;
            for (int i = 0; i < MaxConnections; i++)
            {
                ref TcpConnection c = ref Conn(i);
                if (!c.Used) return i;
                if (c.State == TcpState.TimeWait && (timeWait < 0 || c.CloseDeadline < Conn(timeWait).CloseDeadline)) timeWait = i;
            }
            if (timeWait >= 0)
            {
                _s->Counters.TimeWaitReused++;
                Free(timeWait);
            }
            return timeWait;
        }

        private void Free(int i)
        {
            ref TcpConnection c = ref Conn(i);
            TcpRing send = c.Send, receive = c.Receive;
            c = default;
            c.Send = send;
            c.Receive = receive;
            c.Send.Discard(c.Send.Count);
            c.Receive.Discard(c.Receive.Count);
            c.Listener = -1;
        }

        // The connection reached CLOSED: the slot stays while the application holds the handle (to read the
        // error), else it is freed.
        private void Closed(int i, TcpStatus error)
        {
            ref TcpConnection c = ref Conn(i);
            if (!c.AppOwned)
            {
                Free(i);
                return;
            }
            c.State = TcpState.Closed;
            if (c.Error == TcpStatus.Ok) c.Error = error;
            c.RetransmitDeadline = 0;
            c.PersistDeadline = 0;
            c.CloseDeadline = 0;
            c.AckPending = false;
            c.AckDeadline = 0;
        }

        private void Setup(int i, uint remoteAddress, ushort remotePort, ushort localPort, int listener, ulong now)
        {
            Free(i);
            ref TcpConnection c = ref Conn(i);
            c.Used = true;
            c.Listener = (short)listener;
            c.RemoteAddress = remoteAddress;
            c.RemotePort = remotePort;
            c.LocalPort = localPort;
            c.Iss = InitialSequence(remoteAddress, remotePort, localPort, now);
            c.TsOffset = TimestampOffset(remoteAddress, remotePort, localPort); // RFC 7323 5.4: hides our clock
            c.SndUna = c.SndNxt = c.SndMax = c.Iss;
            c.LastHeard = now;
            c.SndBase = c.Iss + 1;
            c.Recover = c.Iss;
            c.SendMss = 536; // RFC 9293 3.7.1: without the option
            c.RcvMss = _s->Config.Mss;
            c.Rto = _s->Config.InitialRto;
            c.Ssthresh = 0x7FFFFFFF;
            c.Cwnd = InitialWindow(c.SendMss);
        }

        // RFC 6928 (as Linux): IW = min(10 * SMSS, max(2 * SMSS, 14600)).
        private static uint InitialWindow(int mss) => (uint)Math.Min(10 * mss, Math.Max(2 * mss, 14600));

        // RFC 6528: a clock (4 us ticks) plus a keyed function of the connection's identity, so sequence
        // numbers differ between connections and are not guessed from one another. The counter keeps two
        // connections opened at the same instant apart.
        private uint InitialSequence(uint remoteAddress, ushort remotePort, ushort localPort, ulong now)
        {
            ulong x = _s->Config.IsnSeed ^ ((ulong)remoteAddress << 32 | (ulong)remotePort << 16 | localPort);
            x ^= (ulong)_s->LocalAddress * 0x9E3779B97F4A7C15UL;
            x += (ulong)(++_s->IsnCounter) * 0xD1B54A32D192ED03UL;
            return (uint)Mix(x) + (uint)(now / 4000);
        }

        // A keyed function of the connection's identity, independent of its ISN (which the wire shows), so
        // TSval - offset does not give away the clock (Xen's system time, the host's uptime).
        private uint TimestampOffset(uint remoteAddress, ushort remotePort, ushort localPort)
        {
            ulong x = (_s->Config.IsnSeed * 0xD6E8FEB86659FD93UL) ^ ((ulong)remoteAddress << 32 | (ulong)remotePort << 16 | localPort);
            x ^= (ulong)_s->LocalAddress * 0xC2B2AE3D27D4EB4FUL;
            return (uint)Mix(x);
        }

        // SplitMix64's finalizer: every input bit moves every output bit.
        private static ulong Mix(ulong x)
        {
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }

        private int Find(uint remoteAddress, ushort remotePort, ushort localPort)
        {
            for (int i = 0; i < MaxConnections; i++)
            {
                ref TcpConnection c = ref Conn(i);
                if (c.Used && c.LocalPort == localPort && c.RemotePort == remotePort && c.RemoteAddress == remoteAddress) return i;
            }
            return -1;
        }

        private int FindListener(ushort port)
        {
            for (int i = 0; i < _s->Config.MaxListeners; i++)
                if (_s->Listeners[i].Open && _s->Listeners[i].Port == port) return i;
            return -1;
        }

        // The receive window: free space in the ring (all of it once the application closed and data is
        // thrown away), no more than the window field can say.
        private int ReceiveWindow(ref TcpConnection c)
        {
            int free = c.AppClosed ? c.Receive.Capacity : c.Receive.Free;
            int most = 0xFFFF << c.RcvShift;
            return free < most ? free : most;
        }
    }
}
