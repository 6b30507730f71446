using System;
using Unikernel;
using Unikernel.Core.Protocols;

// The store over TCP in the Redis protocol (RESP2): redis-cli, redis-benchmark and every Redis client work
// with it. Each client has a session: an input buffer (a page, grown by doubling up to MaxRequest for a large
// value and shrunk back after) and an output buffer that collects the replies to everything the client sent
// in one go (pipelining), written out once. Requests are handled in the order they came; a client that
// breaks the protocol gets -ERR and is disconnected, as Redis does.
public static unsafe class RespServer
{
    public const ushort DefaultPort = 6379;
    public const int MaxClients = 60; // of the stack's 64 connections
    public const int MaxArguments = 64;
    public const int MaxRequest = KeyValueStore.MaxValue + 4096; // the largest value with its command around it
    private const int InitialInput = Pages.Size;
    private const int OutputBytes = 2 * Pages.Size;

    internal struct Session
    {
        public TcpConnection Connection;
        public bool Open;
        public byte* Input;
        public int InputCapacity, InputLength;
        public byte* Output;
        public int OutputLength;
    }

    private struct Sessions { public fixed byte Bytes[MaxClients * 48]; }

    private static TcpListener s_listener;
    private static Sessions s_sessions;
    private static bool s_listening;
    private static int s_clients;
    private static ulong s_accepted, s_requests, s_protocolErrors;

    public static bool IsListening => s_listening;
    public static int Clients => s_clients;
    public static ulong Requests => s_requests;
    public static ulong Accepted => s_accepted;

    private static Session* At(int i) { fixed (byte* p = s_sessions.Bytes) return (Session*)p + i; }

    // Starts the network and listens; says where (or why not) on the console.
    public static void Start(ushort port)
    {
        if (sizeof(Session) > 48) { Console.WriteLine("# appliance: session storage too small"); return; }
        if (!Network.Start()) { Console.WriteLine("# appliance: no network: the console only"); return; }
        long rc = TcpListener.Listen(port, out s_listener);
        if (rc < 0) { Console.WriteLine($"# appliance: cannot listen on port {port}: {rc}"); return; }
        s_listening = true;
        Span<char> address = stackalloc char[16];
        int n = Network.Address.Format(address);
        Console.WriteLine($"# appliance: listening on {address.Slice(0, n)}:{port} (Redis protocol, values up to {DurableStore.MaxValue} bytes)");
    }

    // Whether a client waits to be accepted or a session has something to read (data, its end, an error).
    public static bool HasWork
    {
        get
        {
            if (!s_listening) return false;
            if (s_listener.HasPendingConnection) return true;
            for (int i = 0; i < MaxClients; i++)
                if (At(i)->Open && At(i)->Connection.CanRead) return true;
            return false;
        }
    }

    // Accepts who waits, then serves every session that has input, without waiting for more.
    public static void Serve()
    {
        if (!s_listening) return;
        while (s_listener.TryAccept(out TcpConnection connection) == 0) Open(connection);
        for (int i = 0; i < MaxClients; i++)
        {
            Session* s = At(i);
            if (s->Open && s->Connection.CanRead) Serve(s);
        }
    }

    private static void Open(TcpConnection connection)
    {
        for (int i = 0; i < MaxClients; i++)
        {
            Session* s = At(i);
            if (s->Open) continue;
            if (s->Output == null) s->Output = (byte*)Pages.Allocate(OutputBytes / Pages.Size);
            if (s->Input == null)
            {
                s->Input = (byte*)Pages.Allocate(InitialInput / Pages.Size);
                s->InputCapacity = InitialInput;
            }
            if (s->Input == null || s->Output == null) break;
            s->Connection = connection;
            s->Open = true;
            s->InputLength = 0;
            s->OutputLength = 0;
            s_clients++;
            s_accepted++;
            return;
        }
        // Every session busy (or no memory): say so the Redis way and hang up.
        Span<byte> reply = stackalloc byte[64];
        int n = RespReply.Error(reply, "ERR max number of clients reached");
        connection.TryWrite(reply.Slice(0, n));
        connection.Close();
    }

    private static void Serve(Session* s)
    {
        while (true)
        {
            if (s->InputLength == s->InputCapacity && !Grow(s, s->InputCapacity * 2)) { Fail(s, "ERR Protocol error: request too large"); return; }
            int n = s->Connection.TryRead(new Span<byte>(s->Input + s->InputLength, s->InputCapacity - s->InputLength));
            if (n == Errno.EAGAIN) break;
            if (n <= 0) { Close(s); return; } // the client's end of stream, or its connection is gone
            s->InputLength += n;
            if (!Handle(s)) return;
        }
        if (!Flush(s)) return;
        // A large request is done: back to one page.
        if (s->InputCapacity > InitialInput && s->InputLength <= InitialInput) Shrink(s);
    }

    // Handles every whole request in the input; false when the session was closed.
    private static bool Handle(Session* s)
    {
        Span<RespArgument> args = stackalloc RespArgument[MaxArguments];
        int done = 0;
        while (done < s->InputLength)
        {
            var input = new ReadOnlySpan<byte>(s->Input + done, s->InputLength - done);
            RespParseResult r = RespRequest.Parse(input, args, MaxRequest, 64 * 1024);
            if (r.Status == RespParseStatus.Error) { s_protocolErrors++; Fail(s, r.Error); return false; }
            if (r.Status == RespParseStatus.Incomplete)
            {
                if (r.Needed > MaxRequest) { Fail(s, "ERR Protocol error: request too large"); return false; }
                if (r.Needed > s->InputCapacity && !Grow(s, r.Needed)) { Fail(s, "ERR out of memory for the request"); return false; }
                break;
            }
            done += r.Consumed;
            if (r.Count == 0) continue;
            s_requests++;
            var reply = new RespWriter(s);
            bool keepOpen = RespCommands.Execute(input, args.Slice(0, r.Count), ref reply);
            if (!reply.Ok || !keepOpen) { Flush(s); Close(s); return false; }
        }
        // What is left is the start of a request: move it to the front.
        if (done > 0)
        {
            new Span<byte>(s->Input + done, s->InputLength - done).CopyTo(new Span<byte>(s->Input, s->InputLength - done));
            s->InputLength -= done;
        }
        return true;
    }

    private static bool Grow(Session* s, int needed)
    {
        if (needed > MaxRequest) return false;
        int capacity = s->InputCapacity;
        while (capacity < needed) capacity *= 2;
        var bigger = (byte*)Pages.Allocate((ulong)(capacity / Pages.Size));
        if (bigger == null) return false;
        new Span<byte>(s->Input, s->InputLength).CopyTo(new Span<byte>(bigger, s->InputLength));
        Pages.Free(s->Input, (ulong)(s->InputCapacity / Pages.Size));
        s->Input = bigger;
        s->InputCapacity = capacity;
        return true;
    }

    private static void Shrink(Session* s)
    {
        var small = (byte*)Pages.Allocate(InitialInput / Pages.Size);
        if (small == null) return;
        new Span<byte>(s->Input, s->InputLength).CopyTo(new Span<byte>(small, s->InputLength));
        Pages.Free(s->Input, (ulong)(s->InputCapacity / Pages.Size));
        s->Input = small;
        s->InputCapacity = InitialInput;
    }

    // Appends reply bytes to the session's output, writing it out (waiting) when full.
    public struct RespWriter
    {
        private readonly Session* _s;
        public bool Ok;

        internal RespWriter(Session* s)
        {
            _s = s;
            Ok = true;
        }

        public Span<byte> Room(int atLeast)
        {
            if (_s->OutputLength + atLeast > OutputBytes && !Flush(_s)) Ok = false;
            return new Span<byte>(_s->Output + _s->OutputLength, OutputBytes - _s->OutputLength);
        }

        public void Advance(int bytes)
        {
            if (bytes < 0) Ok = false;
            else _s->OutputLength += bytes;
        }

        // Large payloads go straight to the connection after what is buffered.
        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            if (!Ok) return;
            if (bytes.Length <= OutputBytes - _s->OutputLength)
            {
                bytes.CopyTo(new Span<byte>(_s->Output + _s->OutputLength, bytes.Length));
                _s->OutputLength += bytes.Length;
                return;
            }
            if (!Flush(_s) || _s->Connection.Write(bytes) < 0) Ok = false;
        }
    }

    private static bool Flush(Session* s)
    {
        if (s->OutputLength == 0) return true;
        long rc = s->Connection.Write(new ReadOnlySpan<byte>(s->Output, s->OutputLength));
        s->OutputLength = 0;
        if (rc < 0) { Close(s); return false; }
        return true;
    }

    private static void Fail(Session* s, ReadOnlySpan<char> error)
    {
        var reply = new RespWriter(s);
        Span<byte> room = reply.Room(error.Length + 3);
        reply.Advance(RespReply.Error(room, error));
        Flush(s);
        Close(s);
    }

    private static void Close(Session* s)
    {
        if (!s->Open) return;
        s->Connection.Close();
        s->Open = false;
        s->InputLength = 0;
        s->OutputLength = 0;
        s_clients--;
    }
}
