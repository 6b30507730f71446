using System;
using Unikernel;
using Unikernel.Core.Hashing;
using Unikernel.Core.Text;

// The network under xl with dom0's netback (XlNetworkTests), on the public API only. Serves at once:
//   UDP 7  echo: each datagram back to its sender; the datagram "quit" ends the run, "stats" prints the counters;
//   TCP 7  echo: every byte back;
//   TCP 9  sink: counts and hashes what arrives, "net: sink N bytes sha256 H" at the client's end of stream;
//   TCP 19 source: sends net.source=N bytes (default 16 MiB) of a pattern, "net: source N bytes sha256 H", closes.
// net.hash=0 (the network benchmark) drops the hashing: the sink only counts and the source repeats one chunk
// of the pattern, so what is timed is the network path, not SHA-256 under emulation.
// At the end (quit or xl shutdown) it prints the interface's counters.
internal static unsafe class NetChecks
{
    private const int MaxClients = 8;
    private const int Chunk = 16 * 1024;

    private enum Kind : byte { None, Echo, Sink, Source }

    private struct Client
    {
        public TcpConnection Connection;
        public Kind Kind;
        public ulong Bytes, Target;
        public ulong Started, BlockedAtStart; // PvClock and Idle's blocked time at accept: the sink's own figures
        public Sha256 Hash;
    }

    private const int ClientBytes = 192; // at least sizeof(Client), checked in Serve
    private struct Clients { public fixed byte Bytes[MaxClients * ClientBytes]; }

    private static Clients s_clients;
    private static UdpSocket s_udp;
    private static TcpListener s_echo, s_sink, s_source;
    private static bool s_quit;
    private static ulong s_sourceBytes;
    private static bool s_hash;
    private static byte* s_buffer;

    private static Client* At(int i) { fixed (byte* p = s_clients.Bytes) return (Client*)p + i; }

    public static int Serve()
    {
        if (sizeof(Client) > ClientBytes) { Console.WriteLine("net: client storage too small"); return 1; }
        s_sourceBytes = 16 << 20;
        var commandLine = new Unikernel.Core.KernelCommandLine(DomainFacts.CommandLine);
        if (commandLine.TryGet("net.source", out ReadOnlySpan<byte> value, out _)) Unikernel.Core.KernelCommandLine.TryParseUInt64(value, out s_sourceBytes);
        Unikernel.Core.BoolOption hash = commandLine.GetBool("net.hash", true);
        if (hash.BadValue) Console.WriteLine("net: net.hash= is not a boolean; hashing");
        s_hash = hash.Value;
        if (!Network.Start()) return 1;
        s_buffer = (byte*)Pages.Allocate(Chunk / Pages.Size);
        if (!s_hash) for (int i = 0; i < Chunk; i++) s_buffer[i] = Pattern((ulong)i);
        if (Check("udp bind 7", UdpSocket.Bind(7, out s_udp)) | Check("tcp listen 7", TcpListener.Listen(7, out s_echo))
            | Check("tcp listen 9", TcpListener.Listen(9, out s_sink)) | Check("tcp listen 19", TcpListener.Listen(19, out s_source)))
            return 1;
        Lifecycle.AddShutdownHook(&OnShutdown);
        Console.WriteLine("net: ready");
        while (!s_quit)
        {
            Lifecycle.WaitUntil(&HasWork, 0);
            ServeUdp();
            Accept(ref s_echo, Kind.Echo);
            Accept(ref s_sink, Kind.Sink);
            Accept(ref s_source, Kind.Source);
            for (int i = 0; i < MaxClients; i++) if (At(i)->Kind != Kind.None) ServeClient(At(i));
        }
        PrintCounters();
        return 0;
    }

    private static bool Check(string what, long rc)
    {
        if (rc >= 0) return false;
        Console.WriteLine($"net: {what} failed: {rc} ({Errno.Name(rc)})");
        return true;
    }

    private static bool HasWork(ulong unused)
    {
        if (s_udp.HasDatagram || s_echo.HasPendingConnection || s_sink.HasPendingConnection || s_source.HasPendingConnection) return true;
        for (int i = 0; i < MaxClients; i++)
        {
            Client* c = At(i);
            if (c->Kind == Kind.None) continue;
            // A source only writes: its peer's end of stream (CanRead) is no work for it.
            if (c->Kind == Kind.Source ? c->Connection.CanWrite : c->Connection.CanRead) return true;
        }
        return false;
    }

    private static void ServeUdp()
    {
        var buffer = new Span<byte>(s_buffer, UdpSocket.MaxPayload);
        while (true)
        {
            int n = s_udp.TryReceive(buffer, out IPv4Address from, out ushort port);
            if (n < 0) return;
            if (n == 4 && buffer[0] == (byte)'q' && buffer[1] == (byte)'u' && buffer[2] == (byte)'i' && buffer[3] == (byte)'t') { s_quit = true; return; }
            if (n == 5 && buffer[0] == (byte)'s' && buffer[1] == (byte)'t' && buffer[2] == (byte)'a' && buffer[3] == (byte)'t' && buffer[4] == (byte)'s') { PrintCounters(); continue; }
            long rc = s_udp.SendTo(from, port, buffer.Slice(0, n < buffer.Length ? n : buffer.Length));
            if (rc < 0) Check("udp echo", rc);
        }
    }

    private static void Accept(ref TcpListener listener, Kind kind)
    {
        while (listener.TryAccept(out TcpConnection connection) == 0)
        {
            Client* c = null;
            for (int i = 0; i < MaxClients && c == null; i++) if (At(i)->Kind == Kind.None) c = At(i);
            if (c == null) { connection.Abort(); continue; }
            c->Connection = connection;
            c->Kind = kind;
            c->Bytes = 0;
            c->Target = kind == Kind.Source ? s_sourceBytes : 0;
            c->Hash = Sha256.Create();
            c->Started = Unikernel.Xen.PvClock.Now;
            c->BlockedAtStart = Unikernel.Xen.Idle.BlockedNanoseconds;
        }
    }

    // The byte at offset x of the source's stream; XlNetworkTests computes the same.
    private static byte Pattern(ulong x) => (byte)(x * 7 + (x >> 9) * 13 + 1);

    private static void ServeClient(Client* c)
    {
        var buffer = new Span<byte>(s_buffer, Chunk);
        if (c->Kind == Kind.Source)
        {
            while (c->Bytes < c->Target)
            {
                int n = c->Target - c->Bytes < (ulong)Chunk ? (int)(c->Target - c->Bytes) : Chunk;
                if (s_hash) for (int i = 0; i < n; i++) buffer[i] = Pattern(c->Bytes + (ulong)i);
                int sent = c->Connection.TryWrite(buffer.Slice(0, n));
                if (sent == Errno.EAGAIN) return;
                if (sent < 0) { Finish(c, "source", sent); return; }
                if (s_hash) c->Hash.Append(buffer.Slice(0, sent));
                c->Bytes += (ulong)sent;
            }
            Finish(c, "source", 0);
            return;
        }
        while (true)
        {
            int n = c->Connection.TryRead(buffer);
            if (n == Errno.EAGAIN) return;
            if (n <= 0) { Finish(c, c->Kind == Kind.Sink ? "sink" : "echo", n); return; }
            c->Bytes += (ulong)n;
            if (c->Kind == Kind.Sink) { if (s_hash) c->Hash.Append(buffer.Slice(0, n)); }
            else
            {
                long rc = c->Connection.Write(buffer.Slice(0, n));
                if (rc < 0) { Finish(c, "echo", rc); return; }
            }
        }
    }

    private static void Finish(Client* c, string what, long rc)
    {
        Span<byte> digest = stackalloc byte[Sha256.HashBytes];
        c->Hash.Finish(digest);
        var line = new TextBuilder(stackalloc char[160]);
        line.Append($"net: {what} {c->Bytes} bytes");
        if (c->Kind != Kind.Echo && s_hash)
        {
            line.Append(" sha256 ");
            for (int i = 0; i < digest.Length; i++) line.Append($"{digest[i]:x2}");
        }
        if (rc < 0) line.Append($" error {rc} ({Errno.Name(rc)})");
        Console.WriteLine(line.Text);
        if (!s_hash && c->Kind != Kind.Echo)
        {
            // The benchmark's figures seen from inside: how long the transfer took here (a source: until its
            // last byte was queued) and how much of it we idled.
            ulong elapsed = Unikernel.Xen.PvClock.Now - c->Started, blocked = Unikernel.Xen.Idle.BlockedNanoseconds - c->BlockedAtStart;
            var stats = new TextBuilder(stackalloc char[120]);
            stats.Append($"net: {what} took {elapsed / 1_000_000} ms, blocked {blocked / 1_000_000} ms");
            Console.WriteLine(stats.Text);
            PrintCounters();
        }
        c->Connection.Close();
        c->Kind = Kind.None;
    }

    private static void PrintCounters()
    {
        Span<char> text = stackalloc char[1024];
        int n = Network.DescribeCounters(text);
        Console.Write("net: counters ");
        Console.WriteLine(text.Slice(0, n));
    }

    private static void OnShutdown(ShutdownReason reason) => PrintCounters();
}
