using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Unikernel.Core.Net;
using Unikernel.Core.Net.Tcp;
using Xunit.Abstractions;
using TcpState = Unikernel.Core.Net.Tcp.TcpState;

namespace Unikernel.Tests.Core.Net.Linux;

// Our stack compiled for the host against the Linux kernel's own ARP, ICMP, UDP and TCP, over a TAP device in
// a network namespace each test makes and removes: 4 MiB each way in both directions of connection, SHA-256
// compared, orderly close from either end, resets both ways, a refused connection, zero windows both ways,
// six connections at once, and transfers over loss and reordering.
public sealed unsafe class LinuxTcpTests(ITestOutputHelper output)
{
    private const int Length = 4 << 20;
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(15), Long = TimeSpan.FromSeconds(180);

    [LinuxTapFact]
    public void We_resolve_linux_by_arp_and_a_udp_datagram_goes_each_way()
    {
        using var link = new TapLink(1);
        TapStack us = link.Us;
        Assert.True(us.UdpBind(7000));
        using Socket udp = link.Socket(SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(link.LinuxAddress, 7001));
        Task<(byte[] Payload, EndPoint From)> received = Task.Run(() =>
        {
            var buffer = new byte[2048];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = udp.ReceiveFrom(buffer, ref from);
            return (buffer[..n], from);
        });
        byte[] hello = "hello from the unikernel"u8.ToArray();
        Assert.Equal(SendStatus.ArpPending, us.Nic->UdpSend(7000, link.LinuxIp, 7001, hello, us.Now));
        MacAddress learned = default;
        us.Pump("resolving Linux's MAC", Short, () => us.Nic->TryGetNeighbour(link.LinuxIp, us.Now, out learned));
        Assert.Equal(link.LinuxMac.Value, learned.Value);
        Assert.Equal(SendStatus.Sent, us.Nic->UdpSend(7000, link.LinuxIp, 7001, hello, us.Now));
        us.Pump("Linux receiving our datagram", Short, () => received.IsCompleted);
        Assert.Equal(hello, received.Result.Payload);
        Assert.Equal(new IPEndPoint(link.OurAddress, 7000), received.Result.From);

        byte[] answer = "and back from Linux"u8.ToArray();
        udp.SendTo(answer, new IPEndPoint(link.OurAddress, 7000));
        var got = new byte[2048];
        int length = -1;
        uint fromIp = 0;
        ushort fromPort = 0;
        us.Pump("Linux's datagram", Short, () => (length = us.Nic->UdpReceive(7000, got, out fromIp, out fromPort)) >= 0);
        Assert.Equal(answer, got[..length]);
        Assert.Equal(link.LinuxIp, fromIp);
        Assert.Equal(7001, fromPort);
    }

    [LinuxTapFact]
    public void Linux_resolves_us_by_arp_and_pings_us()
    {
        using var link = new TapLink(2);
        TapStack us = link.Us;
        byte[] data = Enumerable.Range(0, 56).Select(i => (byte)(i * 7)).ToArray();
        Task<PingReply[]> pings = link.Namespace.Start(() =>
        {
            using var ping = new Ping();
            return Enumerable.Range(0, 3).Select(_ => ping.Send(link.OurAddress, 5000, data)).ToArray();
        });
        us.Pump("Linux's pings", Short, () => pings.IsCompleted);
        foreach (PingReply reply in pings.Result)
        {
            Assert.Equal(IPStatus.Success, reply.Status);
            Assert.Equal(data, reply.Buffer);
        }
        // Linux asked for our MAC and keeps it; we learned Linux's from its request.
        Assert.Contains("02:75:6b:00:00:02", link.Namespace.Ip("neigh", "show", TapLink.Text(link.OurIp)));
        Assert.True(us.Nic->TryGetNeighbour(link.LinuxIp, us.Now, out MacAddress learned));
        Assert.Equal(link.LinuxMac.Value, learned.Value);
    }

    // Linux closes first: we see the end of its stream in CLOSE-WAIT, send our FIN after our data, and the
    // connection is closed once Linux acknowledges it (LAST-ACK done).
    [LinuxTapFact]
    public void Linux_connects_to_us_and_four_mebibytes_go_each_way()
    {
        using var link = new TapLink(3);
        TcpStack tcp = link.Us.Tcp;
        (Socket linux, int conn) = ConnectFromLinux(link, 5000);
        using (linux)
        {
            Exchange(link, linux, conn, ourFinFirst: false);
            link.Us.Pump("Linux acknowledging our FIN", Short, () => tcp.State(conn) == TcpState.Closed);
            Assert.Equal(0, tcp.Read(conn, new byte[16])); // the end of the stream, not an error
            Assert.Equal(TcpStatus.Ok, tcp.Close(conn));
            Assert.Equal(ulong.MaxValue, tcp.NextDeadline); // the slot is free, nothing timed is left
        }
    }

    // We close first: our FIN goes after our data while Linux still sends; Linux half-closes only once it has
    // read our end of stream, which leaves us in TIME-WAIT, whose end frees the slot.
    [LinuxTapFact]
    public void We_connect_to_linux_and_four_mebibytes_go_each_way()
    {
        using var link = new TapLink(4);
        TcpStack tcp = link.Us.Tcp;
        (Socket linux, int conn) = ConnectToLinux(link, 5001);
        using (linux)
        {
            Exchange(link, linux, conn, ourFinFirst: true);
            // Our SYN went out when Linux's MAC came, not at its retransmission timeout; the link loses nothing.
            Assert.Equal(0ul, tcp.Counters.Retransmits + tcp.Counters.FastRetransmits);
            Assert.Equal(TcpState.TimeWait, tcp.State(conn));
            Assert.Equal(TcpStatus.Ok, tcp.Close(conn));
            link.Us.Pump("the end of TIME-WAIT", Short, () => tcp.NextDeadline == ulong.MaxValue);
        }
    }

    [LinuxTapFact]
    public void Resets_both_ways_and_a_refused_connection()
    {
        using var link = new TapLink(5);
        TapStack us = link.Us;
        TcpStack tcp = us.Tcp;
        var buffer = new byte[256];

        // Linux aborts (SO_LINGER 0): its RST ends our connection with Reset, after the data it sent before.
        (Socket linux, int conn) = ConnectFromLinux(link, 5002);
        using (linux)
        {
            linux.Send(new byte[100]);
            int read = 0;
            us.Pump("Linux's 100 bytes", Short, () => read == 100, () => read += Math.Max(0, tcp.Read(conn, buffer)));
            linux.LingerState = new LingerOption(true, 0);
            linux.Close();
            int result = 0;
            us.Pump("Linux's reset", Short, () => result != (int)TcpStatus.WouldBlock, () => result = tcp.Read(conn, buffer));
            Assert.Equal((int)TcpStatus.Reset, result);
            Assert.Equal(TcpState.Closed, tcp.State(conn));
            Assert.Equal((int)TcpStatus.Reset, tcp.Write(conn, buffer));
            Assert.Equal(1ul, tcp.Counters.ResetsReceived);
            Assert.Equal(TcpStatus.Ok, tcp.Close(conn));
        }

        // We abort: Linux's blocked read fails with ECONNRESET.
        (linux, conn) = ConnectFromLinux(link, 5003);
        using (linux)
        {
            Task<int> blocked = Task.Factory.StartNew(() => linux.Receive(buffer), TaskCreationOptions.LongRunning);
            Assert.Equal(TcpStatus.Ok, tcp.Abort(conn));
            us.Pump("Linux seeing our reset", Short, () => blocked.IsCompleted);
            var error = Assert.IsType<SocketException>(Assert.Throws<AggregateException>(() => blocked.Result).InnerException);
            Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
            Assert.True(tcp.Counters.ResetsSent >= 1);
        }

        // Nothing listens: Linux answers our SYN with a RST, and the connection reports it.
        int refused = tcp.Connect(link.LinuxIp, 5999);
        Assert.True(refused >= 0);
        us.Pump("the refusal", Short, () => tcp.State(refused) != TcpState.SynSent);
        Assert.Equal(TcpState.Closed, tcp.State(refused));
        Assert.Equal((int)TcpStatus.Reset, tcp.Read(refused, buffer));
        Assert.Equal(2ul, tcp.Counters.ResetsReceived);
    }

    // Each side stops reading until the other's window is shut: Linux probes ours, we probe Linux's (its
    // receive buffer made small), and once reading resumes every byte arrives.
    [LinuxTapFact]
    public void Zero_windows_both_ways_are_probed_and_reopened()
    {
        using var link = new TapLink(8);
        TapStack us = link.Us;
        TcpStack tcp = us.Tcp;
        const int Part = 256 * 1024;
        (Socket linux, int conn) = ConnectFromLinux(link, 5006, linuxReceiveBuffer: 4096);
        using (linux)
        {
            byte[] theirs = Pattern(3, Part), ours = Pattern(4, Part);
            long linuxProbes = link.LinuxTcpCounter("TCPWinProbe");
            Task linuxSent = Task.Factory.StartNew(() => linux.Send(theirs), TaskCreationOptions.LongRunning);
            var stalled = System.Diagnostics.Stopwatch.StartNew();
            us.Pump("Linux probing our shut window", Short, () => stalled.ElapsedMilliseconds > 1000 && link.LinuxTcpCounter("TCPWinProbe") > linuxProbes);
            var received = new MemoryStream();
            var buffer = new byte[16 * 1024];
            us.Pump("Linux's data after our window reopened", Short, () => received.Length == Part && linuxSent.IsCompleted, () =>
            {
                int n = tcp.Read(conn, buffer);
                Assert.True(n > 0 || n == (int)TcpStatus.WouldBlock, $"read: {(TcpStatus)n}");
                if (n > 0) received.Write(buffer, 0, n);
            });
            Assert.Equal(theirs, received.ToArray());

            int written = 0;
            Action write = () =>
            {
                int n = written == Part ? 0 : tcp.Write(conn, ours.AsSpan(written));
                Assert.True(n >= 0 || n == (int)TcpStatus.WouldBlock, $"write: {(TcpStatus)n}");
                written += Math.Max(0, n);
            };
            us.Pump("our probes of Linux's shut window", Short, () => tcp.Counters.WindowProbes >= 2, write);
            Task<byte[]> linuxReceived = Task.Factory.StartNew(() =>
            {
                var all = new byte[Part];
                for (int got = 0, n; got < Part; got += n) Assert.True((n = linux.Receive(all, got, Part - got, SocketFlags.None)) > 0);
                return all;
            }, TaskCreationOptions.LongRunning);
            us.Pump("our data after Linux's window reopened", Short, () => linuxReceived.IsCompleted && tcp.Unacknowledged(conn) == 0, write);
            Assert.Equal(ours, linuxReceived.Result);
            output.WriteLine(us.Describe());
        }
    }

    // Six connections from Linux at once through one listener, each stream on its own connection.
    [LinuxTapFact]
    public void Six_connections_from_linux_at_once()
    {
        using var link = new TapLink(9);
        TcpStack tcp = link.Us.Tcp;
        int listener = tcp.Listen(5007);
        var linux = new Socket[6];
        var connected = new Task[linux.Length];
        for (int k = 0; k < linux.Length; k++)
        {
            Socket socket = linux[k] = link.Socket(SocketType.Stream, ProtocolType.Tcp);
            connected[k] = Task.Run(() => socket.Connect(new IPEndPoint(link.OurAddress, 5007)));
        }
        try
        {
            var accepted = new List<int>();
            link.Us.Pump("six connections", Short, () => accepted.Count == linux.Length && connected.All(t => t.IsCompleted), () =>
            {
                for (int conn; (conn = tcp.Accept(listener)) >= 0;) accepted.Add(conn);
            });
            Task.WaitAll(connected);
            // Pair each Linux socket with the connection whose remote port is its local one.
            var pairs = linux.Select(s => (s, accepted.Single(c => tcp.RemotePort(c) == ((IPEndPoint)s.LocalEndPoint!).Port))).ToArray();
            Exchange(link, pairs, 512 * 1024, ourFinFirst: false);
        }
        finally
        {
            foreach (Socket socket in linux) socket.Dispose();
        }
    }

    // 5% of TCP frames lost each way and 5% of Linux's swapped with the next, on our side of the tap: both
    // stacks retransmit, we hold out-of-order data, and every byte arrives.
    [LinuxTapFact]
    public void Four_mebibytes_each_way_survive_loss_and_reordering()
    {
        using var link = new TapLink(6);
        long linuxRetransmits = link.LinuxTcpCounter("RetransSegs");
        (Socket linux, int conn) = ConnectFromLinux(link, 5004);
        using (linux)
        {
            link.Us.DropIn = link.Us.DropOut = link.Us.ReorderIn = 0.05;
            Exchange(link, linux, conn, ourFinFirst: false);
            AssertRepaired(link, linuxRetransmits);
        }
    }

    // The same with Linux's own netem on the tap (loss and reordering of what Linux sends us), where the kernel
    // has it.
    [LinuxTapFact(Netem = true)]
    public void Four_mebibytes_each_way_survive_netem_loss_and_reordering()
    {
        using var link = new TapLink(7);
        link.Namespace.Tc("qdisc", "add", "dev", TapLink.TapName, "root", "netem", "loss", "5%", "delay", "1ms", "reorder", "25%", "50%");
        long linuxRetransmits = link.LinuxTcpCounter("RetransSegs");
        (Socket linux, int conn) = ConnectToLinux(link, 5005);
        using (linux)
        {
            Exchange(link, linux, conn, ourFinFirst: false);
            AssertRepaired(link, linuxRetransmits);
        }
    }

    private static void AssertRepaired(TapLink link, long linuxRetransmitsBefore)
    {
        TcpCounters counters = link.Us.Tcp.Counters;
        string details = link.Us.Describe();
        Assert.True(counters.OutOfOrderSegments > 0, $"no out-of-order segments held: {details}");
        Assert.True(link.LinuxTcpCounter("RetransSegs") > linuxRetransmitsBefore, "Linux retransmitted nothing");
        if (link.Us.DropOut > 0) Assert.True(counters.Retransmits + counters.FastRetransmits > 0, $"we retransmitted nothing: {details}");
    }

    // Linux connects to our listener on port; returns its socket and our accepted handle.
    private static (Socket Linux, int Conn) ConnectFromLinux(TapLink link, ushort port, int linuxReceiveBuffer = 0)
    {
        TcpStack tcp = link.Us.Tcp;
        int listener = tcp.Listen(port);
        Assert.True(listener >= 0, $"listen: {(TcpStatus)listener}");
        Socket linux = link.Socket(SocketType.Stream, ProtocolType.Tcp);
        if (linuxReceiveBuffer > 0) linux.ReceiveBufferSize = linuxReceiveBuffer; // before connecting: it sets the window scale
        Task connected = Task.Run(() => linux.Connect(new IPEndPoint(link.OurAddress, port)));
        int conn = -1;
        link.Us.Pump("Linux connecting to us", Short, () => connected.IsCompleted && conn >= 0, () =>
        {
            if (conn < 0) conn = Math.Max(-1, tcp.Accept(listener));
        });
        connected.Wait();
        Assert.Equal(TcpState.Established, tcp.State(conn));
        Assert.Equal(link.LinuxIp, tcp.RemoteAddress(conn));
        Assert.Equal(((IPEndPoint)linux.LocalEndPoint!).Port, tcp.RemotePort(conn));
        Assert.Equal(TcpStatus.Ok, tcp.CloseListener(listener));
        return (linux, conn);
    }

    // We connect to a Linux listener on port; returns the socket Linux accepted and our handle.
    private static (Socket Linux, int Conn) ConnectToLinux(TapLink link, ushort port)
    {
        TcpStack tcp = link.Us.Tcp;
        using Socket listener = link.Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(link.LinuxAddress, port));
        listener.Listen(1);
        Task<Socket> accepted = Task.Run(listener.Accept);
        int conn = tcp.Connect(link.LinuxIp, port);
        Assert.True(conn >= 0, $"connect: {(TcpStatus)conn}");
        link.Us.Pump("connecting to Linux", Short, () => tcp.State(conn) != TcpState.SynSent && accepted.IsCompleted);
        Assert.Equal(TcpState.Established, tcp.State(conn));
        Socket linux = accepted.Result;
        linux.ReceiveTimeout = linux.SendTimeout = 60_000;
        Assert.Equal(link.OurAddress, ((IPEndPoint)linux.RemoteEndPoint!).Address);
        return (linux, conn);
    }

    // 4 MiB each way at once, SHA-256 compared on both ends; each end half-closes after its data. With
    // ourFinFirst Linux half-closes only after it has read our end of stream, else we do only after reading
    // Linux's.
    private void Exchange(TapLink link, Socket linux, int conn, bool ourFinFirst) =>
        Exchange(link, new[] { (linux, conn) }, Length, ourFinFirst);

    // The same on several connections at once, length bytes each way on each, every stream different.
    private void Exchange(TapLink link, (Socket Linux, int Conn)[] connections, int length, bool ourFinFirst)
    {
        var ends = new OurEnd[connections.Length];
        var linuxTasks = new Task[connections.Length];
        var linuxHashes = new Task<byte[]>[connections.Length];
        for (int k = 0; k < connections.Length; k++)
        {
            Socket linux = connections[k].Linux;
            byte[] ours = Pattern(2 * k + 1, length), theirs = Pattern(2 * k + 2, length);
            Task<byte[]> received = linuxHashes[k] = Task.Factory.StartNew(() => ReceiveToEnd(linux, length), TaskCreationOptions.LongRunning);
            linuxTasks[k] = Task.Factory.StartNew(() =>
            {
                for (int sent = 0; sent < theirs.Length;) sent += linux.Send(theirs, sent, theirs.Length - sent, SocketFlags.None);
                if (ourFinFirst) received.Wait();
                linux.Shutdown(SocketShutdown.Send);
            }, TaskCreationOptions.LongRunning);
            ends[k] = new OurEnd(link.Us.Tcp, connections[k].Conn, ours, SHA256.HashData(theirs), ourFinFirst);
        }
        var took = System.Diagnostics.Stopwatch.StartNew();
        link.Us.Pump($"{length >> 10} KiB each way on {connections.Length} connection(s)", Long,
            () => ends.All(e => e.Done) && linuxTasks.All(t => t.IsCompleted) && linuxHashes.All(t => t.IsCompleted),
            () => { foreach (OurEnd end in ends) end.Step(); });
        output.WriteLine($"{length >> 10} KiB each way on {connections.Length} connection(s) in {took.ElapsedMilliseconds} ms; {link.Us.Describe()}");
        Task.WaitAll(linuxTasks);
        for (int k = 0; k < connections.Length; k++)
        {
            Assert.Equal(length, ends[k].Received);
            Assert.Equal(ends[k].Expected, ends[k].Hash);
            Assert.Equal(SHA256.HashData(Pattern(2 * k + 1, length)), linuxHashes[k].Result); // read to its end: Linux saw our FIN
        }
    }

    private static byte[] ReceiveToEnd(Socket socket, int length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = socket.Receive(buffer)) > 0; total += n) hash.AppendData(buffer, 0, n);
        Assert.Equal(length, total);
        return hash.GetHashAndReset();
    }

    private static byte[] Pattern(int seed, int length = Length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // Our application's end of a connection, stepped by the pump: writes what the send ring takes, reads and
    // hashes what came, and half-closes once all is written (and, unless finFirst, Linux's stream has ended).
    private sealed class OurEnd(TcpStack tcp, int conn, byte[] data, byte[] expected, bool finFirst)
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _written;
        private bool _eof, _finSent;
        public long Received;
        public byte[] Hash = Array.Empty<byte>();
        public readonly byte[] Expected = expected;

        public bool Done => _eof && _finSent;

        public void Step()
        {
            while (_written < data.Length)
            {
                int n = tcp.Write(conn, data.AsSpan(_written, Math.Min(16 * 1024, data.Length - _written)));
                if (n == (int)TcpStatus.WouldBlock) break;
                Assert.True(n > 0, $"write: {(TcpStatus)n}");
                _written += n;
            }
            while (!_eof)
            {
                int n = tcp.Read(conn, _buffer);
                if (n == (int)TcpStatus.WouldBlock) break;
                Assert.True(n >= 0, $"read: {(TcpStatus)n}");
                if (n == 0)
                {
                    _eof = true;
                    Hash = _hash.GetHashAndReset();
                    break;
                }
                _hash.AppendData(_buffer, 0, n);
                Received += n;
            }
            if (!_finSent && _written == data.Length && (finFirst || _eof))
            {
                Assert.Equal(TcpStatus.Ok, tcp.Shutdown(conn));
                _finSent = true;
            }
        }
    }
}
