using System;
using System.Collections.Generic;
using System.Linq;
using Unikernel.Core.Net.Tcp;
using static Unikernel.Tests.Core.Net.Tcp.TcpHost;

namespace Unikernel.Tests.Core.Net.Tcp;

// The state machine driven by scripted segments from a peer, its answers read from the output function.
public sealed class TcpStateMachineTests : IDisposable
{
    private const ushort Port = 80, PeerPort = 40000;
    private const ulong Ms = 1_000_000, Second = 1000 * Ms;
    private readonly TcpHost _host;
    private TcpStack Stack => _host.Stack;
    private ulong _now = 5 * Second;
    private uint _peerSeq = 1000; // the peer's next sequence number
    private uint _iss;            // ours

    public TcpStateMachineTests() : this(TcpHost.Config()) { }

    private TcpStateMachineTests(TcpConfig config) => _host = new TcpHost(config);

    public void Dispose() => _host.Dispose();

    private void Peer(uint seq, uint ack, byte flags, byte[]? data = null, ushort window = 65535, ushort mss = 0, ushort port = PeerPort,
        int windowScale = -1, uint? tsValue = null, uint tsEcho = 0) =>
        Stack.Receive(Remote, Local, Segment(port, Port, seq, ack, flags, window, data, mss, windowScale, tsValue: tsValue, tsEcho: tsEcho), false, _now);

    private Sent One()
    {
        var sent = _host.Take();
        Assert.Single(sent);
        Assert.Equal(Remote, sent[0].Destination);
        return sent[0];
    }

    private void NothingSent() => Assert.Empty(_host.Take());

    // Queues n bytes and runs the Poll that sends them: what went out.
    private List<Sent> WriteAndPoll(int conn, int n)
    {
        Assert.Equal(n, Stack.Write(conn, Bytes(n)));
        Stack.Poll(_now);
        return _host.Take();
    }

    private static byte[] Bytes(int n, int seed = 0) => Enumerable.Range(seed, n).Select(i => (byte)(i * 7)).ToArray();

    // LISTEN, SYN, SYN-ACK, ACK, accepted: the handle.
    private int PassiveOpen(ushort window = 65535)
    {
        int listener = Stack.Listen(Port);
        Assert.True(listener >= 0);
        Peer(_peerSeq, 0, TcpFlags.Syn, mss: 1460);
        TcpHeader synAck = One().Header;
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(_peerSeq + 1, synAck.Acknowledgment);
        Assert.Equal(1460, synAck.Mss);
        Assert.False(synAck.HasWindowScale); // the peer did not offer it
        _iss = synAck.Sequence;
        _peerSeq++;
        Assert.Equal(TcpStatus.WouldBlock, (TcpStatus)Stack.Accept(listener));
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack, window: window);
        NothingSent();
        Assert.True(Stack.HasPendingAccept(listener));
        int conn = Stack.Accept(listener);
        Assert.True(conn >= 0);
        Assert.Equal(TcpState.Established, Stack.State(conn));
        return conn;
    }

    private int ActiveOpen()
    {
        int conn = Stack.Connect(Remote, Port);
        Assert.True(conn >= 0);
        Assert.Equal(0ul, Stack.NextDeadline);
        Stack.Poll(_now);
        Sent syn = One();
        Assert.Equal(TcpFlags.Syn, syn.Header.Flags);
        Assert.Equal(1460, syn.Header.Mss);
        Assert.True(syn.Header.HasWindowScale);
        Assert.Equal(Port, syn.Header.DestinationPort);
        _iss = syn.Header.Sequence;
        Assert.Equal(TcpState.SynSent, Stack.State(conn));
        Stack.Receive(Remote, Local, Segment(Port, syn.Header.SourcePort, _peerSeq, _iss + 1, TcpFlags.Syn | TcpFlags.Ack, mss: 1000), false, _now);
        _peerSeq++;
        TcpHeader ack = One().Header;
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(_peerSeq, ack.Acknowledgment);
        Assert.Equal(TcpState.Established, Stack.State(conn));
        return conn;
    }

    [Fact]
    public void Passive_three_way_handshake() => PassiveOpen();

    [Fact]
    public void Active_three_way_handshake_honours_the_peer_mss()
    {
        int conn = ActiveOpen();
        var sent = WriteAndPoll(conn, 3000);
        Assert.Equal(new[] { 1000, 1000, 1000 }, sent.Select(s => s.Data.Length));
    }

    [Fact]
    public void Flush_sends_one_connections_data_and_its_FIN_after_close()
    {
        int conn = PassiveOpen();
        Assert.Equal(10, Stack.Write(conn, Bytes(10)));
        Stack.Flush(conn, _now);
        Sent data = One();
        Assert.Equal(Bytes(10), data.Data);
        Stack.Flush(conn, _now);
        NothingSent();
        Assert.Equal(TcpStatus.Ok, Stack.Close(conn));
        Stack.Flush(conn, _now); // the handle is given up, the FIN still leaves
        Sent fin = One();
        Assert.True(fin.Header.Has(TcpFlags.Fin));
        Assert.Equal(_iss + 11, fin.Header.Sequence);
        Stack.Flush(-1, _now);
        Stack.Flush(1000, _now);
        NothingSent();
    }

    [Fact]
    public void Deferred_output_answers_a_batch_of_segments_with_one_ack_at_the_next_poll()
    {
        int conn = PassiveOpen();
        TcpStack stack = Stack; // a handle: the setting lands in the stack's state
        stack.DeferOutput = true;
        for (int k = 0; k < 4; k++) Peer(_peerSeq + (uint)(k * 100), _iss + 1, TcpFlags.Ack, Bytes(100, k));
        NothingSent(); // without deferral the second and fourth segments would each have drawn an ACK
        stack.DeferOutput = false;
        Stack.Poll(_now);
        Assert.Equal(_peerSeq + 400, One().Header.Acknowledgment);
        var buffer = new byte[400];
        Assert.Equal(400, Stack.Read(conn, buffer));
    }

    // RFC 5681 4.2: out-of-order segments draw a duplicate ACK each, and the one filling the gap its ACK at
    // once, batch or not: the peer's fast retransmit counts them.
    [Fact]
    public void Deferred_output_still_answers_each_segment_out_of_order_and_the_one_filling_the_gap()
    {
        int conn = PassiveOpen();
        TcpStack stack = Stack;
        stack.DeferOutput = true;
        for (int k = 1; k <= 3; k++)
        {
            Peer(_peerSeq + (uint)(k * 100), _iss + 1, TcpFlags.Ack, Bytes(100, k));
            Assert.Equal(_peerSeq, One().Header.Acknowledgment); // a duplicate ACK each
        }
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack, Bytes(100, 0));
        Assert.Equal(_peerSeq + 400, One().Header.Acknowledgment);
        stack.DeferOutput = false;
        Stack.Poll(_now);
        NothingSent();
        var buffer = new byte[400];
        Assert.Equal(400, Stack.Read(conn, buffer));
    }

    [Fact]
    public void Output_the_device_refuses_is_tried_again_a_millisecond_later_from_the_same_sequence()
    {
        int conn = PassiveOpen();
        _host.LinkUp = false; // the transmit ring is full
        Assert.Equal(100, Stack.Write(conn, Bytes(100)));
        Stack.Poll(_now);
        Assert.Equal(_iss + 1, One().Header.Sequence); // offered, refused
        Assert.Equal(_now + Ms, Stack.NextDeadline);   // not the retransmission timer's second
        _host.LinkUp = true;
        _now += Ms;
        Stack.Poll(_now);
        Sent data = One();
        Assert.Equal(_iss + 1, data.Header.Sequence);
        Assert.Equal(Bytes(100), data.Data);
        Assert.Equal(1ul, Stack.Counters.OutputFailed);
        Assert.Equal(0ul, Stack.Counters.Retransmits);
    }

    [Fact]
    public void Data_flows_both_ways()
    {
        int conn = PassiveOpen();
        byte[] hello = Bytes(100);
        Assert.Equal(100, Stack.Write(conn, hello));
        Stack.Poll(_now);
        Sent data = One();
        Assert.Equal(hello, data.Data);
        Assert.Equal(_iss + 1, data.Header.Sequence);
        Assert.True(data.Header.Has(TcpFlags.Psh));
        Peer(_peerSeq, _iss + 101, TcpFlags.Ack, Bytes(50, 3));
        Assert.Equal(_peerSeq + 50, One().Header.Acknowledgment);
        var buffer = new byte[200];
        Assert.Equal(50, Stack.Read(conn, buffer));
        Assert.Equal(Bytes(50, 3), buffer[..50]);
        Assert.Equal(TcpStatus.WouldBlock, (TcpStatus)Stack.Read(conn, buffer));
        Assert.Equal(0, Stack.Unacknowledged(conn));
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline);
    }

    // GSO on the way (netfront gathers dom0's 64 KiB segments): a segment above our MSS holds several of the
    // peer's and is acknowledged at once; it does not teach a larger segment size that would delay later ACKs.
    [Fact]
    public void A_segment_gso_kept_whole_counts_as_the_full_segments_it_holds()
    {
        TcpConfig config = TcpHost.Config();
        config.DelayedAck = 40 * Ms;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen();
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, Bytes(4 * 1460));
        Assert.Equal(t._peerSeq + 4 * 1460, t.One().Header.Acknowledgment);
        t._peerSeq += 4 * 1460;
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, Bytes(1460));
        t.NothingSent();
        t.Peer(t._peerSeq + 1460, t._iss + 1, TcpFlags.Ack, Bytes(1460));
        Assert.Equal(t._peerSeq + 2920, t.One().Header.Acknowledgment);
        Assert.Equal(6 * 1460, t.Stack.Read(conn, new byte[8 * 1460]));
    }

    [Fact]
    public void Acks_of_in_order_data_are_delayed_but_every_second_full_segment_is_acked_at_once()
    {
        TcpConfig config = TcpHost.Config();
        config.DelayedAck = 40 * Ms;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen();
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, Bytes(100));
        t.NothingSent();
        Assert.Equal(t._now + 40 * Ms, t.Stack.NextDeadline);
        t._now += 40 * Ms;
        t.Stack.Poll(t._now);
        Assert.Equal(t._peerSeq + 100, t.One().Header.Acknowledgment);
        t._peerSeq += 100;
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, Bytes(1460));
        t.NothingSent();
        t.Peer(t._peerSeq + 1460, t._iss + 1, TcpFlags.Ack, Bytes(1460));
        Assert.Equal(t._peerSeq + 2920, t.One().Header.Acknowledgment);
        Assert.Equal(ulong.MaxValue, t.Stack.NextDeadline);
        t._peerSeq += 2920;
        t.Peer(t._peerSeq + 10, t._iss + 1, TcpFlags.Ack, Bytes(10)); // out of order: at once
        Assert.Equal(t._peerSeq, t.One().Header.Acknowledgment);
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, Bytes(10));      // fills the gap: at once
        Assert.Equal(t._peerSeq + 20, t.One().Header.Acknowledgment);
        t.Peer(t._peerSeq + 20, t._iss + 1, TcpFlags.Ack, Bytes(7));
        t.NothingSent();
        Assert.Equal(5, t.Stack.Write(conn, Bytes(5)));               // data takes the delayed ACK along
        t.Stack.Poll(t._now);
        Sent data = t.One();
        Assert.Equal(5, data.Data.Length);
        Assert.Equal(t._peerSeq + 27, data.Header.Acknowledgment);
        t.Peer(t._peerSeq + 27, t._iss + 6, TcpFlags.Ack);
        Assert.Equal(ulong.MaxValue, t.Stack.NextDeadline);            // no ACK left to send
    }

    [Fact]
    public void Graceful_close_from_this_side_ends_in_time_wait_then_closed()
    {
        int conn = PassiveOpen();
        Stack.Write(conn, Bytes(10));
        Assert.Equal(TcpStatus.Ok, Stack.Shutdown(conn));
        Assert.Equal(TcpState.FinWait1, Stack.State(conn));
        Assert.Equal(TcpStatus.Closed, (TcpStatus)Stack.Write(conn, Bytes(1)));
        Stack.Poll(_now);
        TcpHeader fin = One().Header;
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, fin.Flags);
        Peer(_peerSeq, _iss + 12, TcpFlags.Ack);
        Assert.Equal(TcpState.FinWait2, Stack.State(conn));
        NothingSent();
        Peer(_peerSeq, _iss + 12, TcpFlags.Ack | TcpFlags.Fin);
        Assert.Equal(_peerSeq + 1, One().Header.Acknowledgment);
        Assert.Equal(TcpState.TimeWait, Stack.State(conn));
        Assert.Equal(0, Stack.Read(conn, new byte[10]));
        Assert.Equal(_now + 2 * Second, Stack.NextDeadline); // 2 * MSL, MSL 1 s
        _now += 2 * Second;
        Stack.Poll(_now);
        Assert.Equal(TcpState.Closed, Stack.State(conn));
        Assert.Equal(TcpStatus.Ok, Stack.Close(conn));
        Assert.Equal(TcpState.Closed, Stack.State(conn));
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline);
    }

    [Fact]
    public void A_closed_connection_waits_for_the_peers_fin_only_so_long()
    {
        int conn = PassiveOpen();
        Stack.Close(conn);
        Stack.Poll(_now);
        One();
        Peer(_peerSeq, _iss + 2, TcpFlags.Ack); // FIN-WAIT-2, and the peer goes quiet
        Assert.Equal(_now + 60 * Second, Stack.NextDeadline);
        _now += 60 * Second;
        Stack.Poll(_now);
        NothingSent();
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline); // the slot is free
    }

    [Fact]
    public void A_closed_connection_stops_probing_a_window_that_never_opens()
    {
        int conn = PassiveOpen(window: 0);
        WriteAndPoll(conn, 100);
        Stack.Close(conn);
        int probes = 0;
        while (Stack.NextDeadline != ulong.MaxValue && probes < 20)
        {
            _now = Math.Max(_now, Stack.NextDeadline);
            Stack.Poll(_now);
            foreach (var sent in _host.Take())
            {
                if (sent.Header.Has(TcpFlags.Rst)) continue;
                probes++;
                Peer(_peerSeq, _iss + 1, TcpFlags.Ack, window: 0);
            }
        }
        Assert.Equal(8, probes);
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline);
        Assert.Equal(1ul, Stack.Counters.ConnectionsTimedOut);
    }

    [Fact]
    public void Keep_alive_probes_a_quiet_peer_and_gives_up_when_it_is_gone()
    {
        TcpConfig config = TcpHost.Config();
        config.KeepAliveIdle = 10 * Second;
        config.KeepAliveInterval = Second;
        config.KeepAliveProbes = 3;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen();
        ulong start = t._now;
        Assert.Equal(start + 10 * Second, t.Stack.NextDeadline);
        t._now = t.Stack.NextDeadline;
        t.Stack.Poll(t._now);
        TcpHeader probe = t.One().Header;
        Assert.Equal(t._iss, probe.Sequence); // SND.UNA - 1
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack); // the peer is there
        Assert.Equal(t._now + 10 * Second, t.Stack.NextDeadline);
        for (int k = 0; k < 3; k++)
        {
            t._now = t.Stack.NextDeadline;
            t.Stack.Poll(t._now);
            Assert.Equal(t._iss, t.One().Header.Sequence);
        }
        t._now = t.Stack.NextDeadline;
        t.Stack.Poll(t._now);
        Assert.Equal(TcpFlags.Rst, t.One().Header.Flags);
        Assert.Equal(TcpStatus.TimedOut, (TcpStatus)t.Stack.Read(conn, new byte[1]));
        Assert.Equal(start + 10 * Second + 10 * Second + 3 * Second, t._now);
    }

    [Fact]
    public void Graceful_close_from_the_peer()
    {
        int conn = PassiveOpen();
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack | TcpFlags.Fin, Bytes(5));
        Assert.Equal(_peerSeq + 6, One().Header.Acknowledgment);
        Assert.Equal(TcpState.CloseWait, Stack.State(conn));
        var buffer = new byte[10];
        Assert.Equal(5, Stack.Read(conn, buffer));
        Assert.Equal(0, Stack.Read(conn, buffer));
        Assert.Equal(3, Stack.Write(conn, Bytes(3))); // half-closed: this side may still send
        Assert.Equal(TcpStatus.Ok, Stack.Close(conn));
        Stack.Poll(_now);
        TcpHeader fin = One().Header;
        Assert.True(fin.Has(TcpFlags.Fin));
        Peer(_peerSeq + 6, _iss + 5, TcpFlags.Ack);
        NothingSent();
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline); // LAST-ACK done: the slot is free
        Assert.Equal(TcpStatus.InvalidHandle, (TcpStatus)Stack.Read(conn, buffer));
    }

    [Fact]
    public void Simultaneous_close_goes_through_closing()
    {
        int conn = PassiveOpen();
        Stack.Shutdown(conn);
        Stack.Poll(_now);
        Assert.True(One().Header.Has(TcpFlags.Fin));
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack | TcpFlags.Fin); // its FIN crossed ours
        Assert.Equal(TcpState.Closing, Stack.State(conn));
        Assert.Equal(_peerSeq + 1, One().Header.Acknowledgment);
        Peer(_peerSeq + 1, _iss + 2, TcpFlags.Ack);
        Assert.Equal(TcpState.TimeWait, Stack.State(conn));
    }

    public enum ResetCase { Established, FinWait1, FinWait2, CloseWait, LastAck, Closing, TimeWait }

    [Theory]
    [InlineData(ResetCase.Established)]
    [InlineData(ResetCase.FinWait1)]
    [InlineData(ResetCase.FinWait2)]
    [InlineData(ResetCase.CloseWait)]
    [InlineData(ResetCase.LastAck)]
    [InlineData(ResetCase.Closing)]
    [InlineData(ResetCase.TimeWait)]
    public void A_reset_closes_every_synchronized_state(ResetCase state)
    {
        int conn = PassiveOpen();
        bool peerFin = state is ResetCase.CloseWait or ResetCase.LastAck or ResetCase.Closing or ResetCase.TimeWait;
        if (state != ResetCase.Established && state != ResetCase.CloseWait && state != ResetCase.LastAck)
        {
            Stack.Shutdown(conn);
            Stack.Poll(_now);
            _host.Take();
        }
        if (state is ResetCase.FinWait2 or ResetCase.TimeWait) Peer(_peerSeq, _iss + 2, TcpFlags.Ack);
        if (peerFin)
        {
            Peer(_peerSeq, _iss + 1, TcpFlags.Ack | TcpFlags.Fin);
            _peerSeq++;
        }
        if (state == ResetCase.LastAck)
        {
            Stack.Shutdown(conn);
            Stack.Poll(_now);
        }
        _host.Take();
        Assert.Equal(state.ToString(), Stack.State(conn).ToString());
        // An in-window RST at the wrong sequence number only draws a challenge ACK (RFC 5961 3.2).
        Peer(_peerSeq + 10, 0, TcpFlags.Rst);
        Assert.Equal(TcpFlags.Ack, One().Header.Flags);
        Assert.Equal(state.ToString(), Stack.State(conn).ToString());
        Peer(_peerSeq, 0, TcpFlags.Rst);
        NothingSent();
        Assert.Equal(TcpState.Closed, Stack.State(conn));
        if (peerFin) Assert.Equal(0, Stack.Read(conn, new byte[4])); // the stream had ended
        else Assert.Equal(TcpStatus.Reset, (TcpStatus)Stack.Read(conn, new byte[4]));
        Assert.True(Stack.Write(conn, new byte[4]) < 0);
        Assert.Equal(1ul, Stack.Counters.ConnectionsReset);
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline);
    }

    [Fact]
    public void A_syn_on_an_established_connection_draws_a_challenge_ack()
    {
        int conn = PassiveOpen();
        Peer(_peerSeq + 5, 0, TcpFlags.Syn);
        TcpHeader ack = One().Header;
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(_peerSeq, ack.Acknowledgment);
        Assert.Equal(TcpState.Established, Stack.State(conn));
    }

    [Fact]
    public void Simultaneous_open_meets_in_syn_received()
    {
        int conn = Stack.Connect(Remote, Port);
        Stack.Poll(_now);
        TcpHeader syn = One().Header;
        ushort local = syn.SourcePort;
        Stack.Receive(Remote, Local, Segment(Port, local, 500, 0, TcpFlags.Syn, mss: 1460), false, _now);
        Assert.Equal(TcpState.SynReceived, Stack.State(conn));
        TcpHeader synAck = One().Header;
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(syn.Sequence, synAck.Sequence);
        Assert.Equal(501u, synAck.Acknowledgment);
        Stack.Receive(Remote, Local, Segment(Port, local, 501, syn.Sequence + 1, TcpFlags.Ack), false, _now);
        Assert.Equal(TcpState.Established, Stack.State(conn));
    }

    [Fact]
    public void Window_scaling_is_used_when_both_sides_offer_it()
    {
        TcpConfig config = TcpHost.Config();
        config.ReceiveBufferBytes = 200 * 1024;
        using var t = new TcpStateMachineTests(config);
        t.Stack.Listen(Port);
        t.Peer(t._peerSeq, 0, TcpFlags.Syn, mss: 1460, windowScale: 3);
        TcpHeader synAck = t.One().Header;
        Assert.True(synAck.HasWindowScale);
        Assert.Equal(2, synAck.WindowScale);     // 200 KiB >> 2 fits the field
        Assert.Equal(65535, synAck.Window);      // a SYN's window is never scaled
        t._iss = synAck.Sequence;
        t._peerSeq++;
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, window: 1000); // 8000 bytes, scaled by 2^3
        int conn = t.Stack.Accept(0);
        var sent = t.WriteAndPoll(conn, 20000);
        Assert.Equal(5, sent.Count);              // the 8000 bytes of the peer's window, in full segments
        Assert.Equal(51200, sent[0].Header.Window); // 200 KiB >> 2
        t.Peer(t._peerSeq, t._iss + 1 + 5 * 1460, TcpFlags.Ack, window: 500); // 4000 bytes
        // Two full segments; the 1080 left of the window wait while data is out (sender silly-window avoidance).
        Assert.Equal(new[] { 1460, 1460 }, t._host.Take().Select(s => s.Data.Length));
    }

    [Fact]
    public void Reset_in_syn_received_returns_to_listen()
    {
        int listener = Stack.Listen(Port);
        Peer(_peerSeq, 0, TcpFlags.Syn);
        _iss = One().Header.Sequence;
        Peer(_peerSeq + 1, 0, TcpFlags.Rst);
        Assert.False(Stack.HasPendingAccept(listener));
        Assert.Equal(ulong.MaxValue, Stack.NextDeadline); // no SYN-ACK left to retransmit
        _peerSeq += 100;
        PassiveOpenAgain(listener);
    }

    private void PassiveOpenAgain(int listener)
    {
        Peer(_peerSeq, 0, TcpFlags.Syn);
        _iss = One().Header.Sequence;
        Peer(_peerSeq + 1, _iss + 1, TcpFlags.Ack);
        Assert.True(Stack.Accept(listener) >= 0);
    }

    [Fact]
    public void Reset_in_syn_sent_is_a_refusal()
    {
        int conn = Stack.Connect(Remote, Port);
        Stack.Poll(_now);
        TcpHeader syn = One().Header;
        // A RST whose ACK is not for our SYN is ignored; a RST that acknowledges it refuses.
        Stack.Receive(Remote, Local, Segment(Port, syn.SourcePort, 0, syn.Sequence + 5, TcpFlags.Rst | TcpFlags.Ack), false, _now);
        Assert.Equal(TcpState.SynSent, Stack.State(conn));
        Stack.Receive(Remote, Local, Segment(Port, syn.SourcePort, 0, syn.Sequence + 1, TcpFlags.Rst | TcpFlags.Ack), false, _now);
        Assert.Equal(TcpState.Closed, Stack.State(conn));
        Assert.Equal(TcpStatus.Reset, (TcpStatus)Stack.Read(conn, new byte[1]));
        NothingSent();
    }

    [Fact]
    public void Segments_for_no_connection_draw_a_reset()
    {
        Peer(77, 0, TcpFlags.Syn); // closed port
        TcpHeader rst = One().Header;
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, rst.Flags);
        Assert.Equal(78u, rst.Acknowledgment);
        Assert.Equal(Port, rst.SourcePort);
        Peer(77, 12345, TcpFlags.Ack, Bytes(10));
        rst = One().Header;
        Assert.Equal(TcpFlags.Rst, rst.Flags);
        Assert.Equal(12345u, rst.Sequence);
        Peer(77, 12345, TcpFlags.Rst); // never a RST for a RST
        NothingSent();
        Assert.Equal(3ul, Stack.Counters.DropNoConnection);
        Assert.Equal(2ul, Stack.Counters.ResetsSent);
        // A segment for another address is not ours to answer.
        Stack.Receive(Remote, Local + 1, Segment(PeerPort, Port, 77, 0, TcpFlags.Syn, destination: Local + 1), false, _now);
        NothingSent();
        Assert.Equal(1ul, Stack.Counters.DropOther);
        // An ACK to a listening port is answered the same way.
        Stack.Listen(Port);
        Peer(77, 999, TcpFlags.Ack);
        Assert.Equal(TcpFlags.Rst, One().Header.Flags);
    }

    [Fact]
    public void Bad_checksums_are_dropped_and_counted()
    {
        Stack.Listen(Port);
        byte[] syn = Segment(PeerPort, Port, 1, 0, TcpFlags.Syn);
        syn[4] ^= 1;
        Stack.Receive(Remote, Local, syn, false, _now);
        NothingSent();
        Assert.Equal(1ul, Stack.Counters.DropBadChecksum);
        Stack.Receive(Remote, Local, syn, true, _now); // the IP layer vouches for it
        Assert.Single(_host.Take());
    }

    [Fact]
    public void Retransmission_timeout_doubles_and_gives_up_with_a_reset()
    {
        int conn = PassiveOpen();
        var sent = WriteAndPoll(conn, 100);
        Assert.Single(sent);
        TcpHeader first = sent[0].Header;
        // The handshake's ACK came at once: an RTT sample of 0 puts the RTO at its floor, MinRto 200 ms.
        ulong rto = 200 * Ms;
        Assert.Equal(_now + rto, Stack.NextDeadline);
        for (int retry = 1; retry <= 8; retry++)
        {
            _now = Stack.NextDeadline - 1;
            Stack.Poll(_now);
            NothingSent();
            _now++;
            Stack.Poll(_now);
            TcpHeader again = One().Header;
            Assert.Equal(first.Sequence, again.Sequence);
            rto = Math.Min(rto * 2, 60 * Second);
            Assert.Equal(_now + rto, Stack.NextDeadline);
        }
        _now = Stack.NextDeadline;
        Stack.Poll(_now);
        Assert.Equal(TcpFlags.Rst, One().Header.Flags);
        Assert.Equal(TcpState.Closed, Stack.State(conn));
        Assert.Equal(TcpStatus.TimedOut, (TcpStatus)Stack.Read(conn, new byte[1]));
        Assert.Equal(8ul, Stack.Counters.Retransmits);
        Assert.Equal(1ul, Stack.Counters.ConnectionsTimedOut);
    }

    // A Linux receiver with GRO acknowledges a burst with one stretch ACK: slow start counts the bytes it
    // acknowledges (RFC 3465), so the window still doubles each round trip.
    [Fact]
    public void Slow_start_grows_by_the_bytes_a_stretch_ack_acknowledges()
    {
        TcpConfig config = TcpHost.Config();
        config.SendBufferBytes = 64 * 1024;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen();
        Assert.Equal(10, t.WriteAndPoll(conn, 40 * 1460).Count);
        t._now += 10 * Ms;
        t.Peer(t._peerSeq, t._iss + 1 + 10 * 1460, TcpFlags.Ack);
        Assert.Equal(20, t._host.Take().Count);
        t._now += 10 * Ms;
        t.Peer(t._peerSeq, t._iss + 1 + 30 * 1460, TcpFlags.Ack);
        Assert.Equal(10, t._host.Take().Count); // the rest: the window (40 segments) holds it all
    }

    // RFC 7323: timestamps when the peer's SYN has them; every segment then carries our clock and echoes the
    // latest in-order value, the payload is 12 bytes shorter, and PAWS drops an older timestamp with an ACK.
    [Fact]
    public void Timestamps_are_echoed_shorten_segments_and_drop_old_duplicates()
    {
        int listener = Stack.Listen(Port);
        Peer(_peerSeq, 0, TcpFlags.Syn, mss: 1460, tsValue: 1000);
        TcpHeader synAck = One().Header;
        Assert.True(synAck.HasTimestamps);
        Assert.Equal(1000u, synAck.TimestampEcho);
        _iss = synAck.Sequence;
        _peerSeq++;
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack, tsValue: 1001, tsEcho: synAck.TimestampValue);
        int conn = Stack.Accept(listener);
        Assert.True(conn >= 0);
        var sent = WriteAndPoll(conn, 3000);
        Assert.Equal(new[] { 1448, 1448, 104 }, sent.Select(s => s.Data.Length));
        Assert.All(sent, s => Assert.Equal(1001u, s.Header.TimestampEcho));
        _now += 5 * Ms;
        Peer(_peerSeq, _iss + 1 + 3000, TcpFlags.Ack, Bytes(10), tsValue: 1010);
        TcpHeader ack = One().Header;
        Assert.Equal(_peerSeq + 10, ack.Acknowledgment);
        Assert.Equal(1010u, ack.TimestampEcho);
        Assert.True(ack.TimestampValue >= synAck.TimestampValue + 5); // a millisecond clock
        ulong dropped = Stack.Counters.DropOutOfWindow;
        Peer(_peerSeq + 10, _iss + 1 + 3000, TcpFlags.Ack, Bytes(10, 10), tsValue: 900); // older: an old duplicate
        Assert.Equal(_peerSeq + 10, One().Header.Acknowledgment); // answered, not taken
        Assert.Equal(dropped + 1, Stack.Counters.DropOutOfWindow);
        Assert.Equal(10, Stack.Read(conn, new byte[100]));
        _now += 25UL * 24 * 3600 * Second; // idle past 24 days: the peer's clock may have wrapped (RFC 7323 5.5)
        Peer(_peerSeq + 10, _iss + 1 + 3000, TcpFlags.Ack, Bytes(5), tsValue: 5);
        Assert.Equal(_peerSeq + 15, One().Header.Acknowledgment);
        Assert.Equal(5, Stack.Read(conn, new byte[100]));
    }

    [Fact]
    public void Without_timestamps_in_the_syn_none_are_sent()
    {
        int conn = PassiveOpen();
        var sent = WriteAndPoll(conn, 1500);
        Assert.Equal(new[] { 1460, 40 }, sent.Select(s => s.Data.Length));
        Assert.All(sent, s => Assert.False(s.Header.HasTimestamps));
    }

    // A large segment the peer's window cuts short is whole segments: no sliver fills the window to the byte.
    [Fact]
    public void A_window_limited_large_segment_is_whole_segments()
    {
        TcpConfig config = TcpHost.Config();
        config.LargeSendBytes = 8 * 1460;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen(window: 5000);
        Assert.Equal(new[] { 3 * 1460 }, t.WriteAndPoll(conn, 8000).Select(s => s.Data.Length));
    }

    // Large segments of eight MSS from a 64 KiB ring.
    private static TcpStateMachineTests WithLargeSends()
    {
        TcpConfig config = TcpHost.Config();
        config.LargeSendBytes = 8 * 1460;
        config.SendBufferBytes = 64 * 1024;
        return new TcpStateMachineTests(config);
    }

    // A window-limited piece under a third of the window waits while data is in flight (Linux's
    // tcp_tso_should_defer): a window reopened by one segment draws no one-segment send; the next ACK does.
    [Fact]
    public void A_small_window_limited_piece_waits_while_data_is_in_flight()
    {
        using var t = WithLargeSends();
        int conn = t.PassiveOpen(window: 12000);
        uint una = t._iss + 1;
        Assert.Equal(new[] { 8 * 1460 }, t.WriteAndPoll(conn, 40000).Select(s => s.Data.Length));
        t.Peer(t._peerSeq, una += 1460, TcpFlags.Ack, window: 12000); // room for one segment, seven in flight
        t.NothingSent();
        t.Peer(t._peerSeq, una += 7 * 1460, TcpFlags.Ack, window: 12000); // nothing in flight
        Assert.Equal(new[] { 8 * 1460 }, t._host.Take().Select(s => s.Data.Length));
        t.Peer(t._peerSeq, una += 1460, TcpFlags.Ack, window: 12000);
        t.NothingSent();
        t.Peer(t._peerSeq, una += 3 * 1460, TcpFlags.Ack, window: 12000); // room for a third of the window
        Assert.Equal(new[] { 4 * 1460 }, t._host.Take().Select(s => s.Data.Length));
    }

    // ... but not on duplicate ACKs: limited transmit (and recovery) sends what the window allows at once.
    [Fact]
    public void A_duplicate_ack_lets_a_small_piece_out()
    {
        using var t = WithLargeSends();
        int conn = t.PassiveOpen();
        uint una = t._iss + 1;
        Assert.Equal(new[] { 8 * 1460 }, t.WriteAndPoll(conn, 40000).Select(s => s.Data.Length)); // two segments of the initial window wait
        t.Peer(t._peerSeq, una, TcpFlags.Ack); // a duplicate
        Assert.Equal(new[] { 3 * 1460 }, t._host.Take().Select(s => s.Data.Length));
    }

    // After a timeout, slow start stops at ssthresh (half what was in flight) however much one ACK covers;
    // beyond it the window grows by a segment per window acknowledged (RFC 5681 3.1, counted in bytes).
    [Fact]
    public void After_a_timeout_slow_start_stops_at_ssthresh_then_grows_a_segment_per_window()
    {
        TcpConfig config = TcpHost.Config();
        config.SendBufferBytes = 64 * 1024;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen();
        uint una = t._iss + 1;
        Assert.Equal(10, t.WriteAndPoll(conn, 40 * 1460).Count);
        t._now = t.Stack.NextDeadline;
        t.Stack.Poll(t._now);
        Assert.Equal(una, t.One().Header.Sequence); // the timeout: one segment again
        t.Peer(t._peerSeq, una += 10 * 1460, TcpFlags.Ack); // all ten were there
        Assert.Equal(5, t._host.Take().Count); // ssthresh: half of the ten in flight
        t._now += 10 * Ms;
        t.Peer(t._peerSeq, una += 5 * 1460, TcpFlags.Ack);
        Assert.Equal(6, t._host.Take().Count); // one segment more for the window acknowledged
    }

    // Autocorking: a small write while data is in flight waits for the platform's next Poll, so a writer's
    // successive small writes leave together; nothing in flight, or a whole segment queued, goes at once.
    [Fact]
    public void Small_writes_behind_data_in_flight_wait_for_the_next_poll()
    {
        int conn = PassiveOpen();
        Assert.Equal(100, Stack.Write(conn, Bytes(100)));
        Assert.False(Stack.FlushWritten(conn, _now));
        Assert.Equal(100, One().Data.Length); // nothing was in flight: at once
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(300, Stack.Write(conn, Bytes(300)));
            Assert.True(Stack.FlushWritten(conn, _now));
            NothingSent();
            Assert.Equal(0ul, Stack.NextDeadline); // the poll is due now
        }
        Stack.Poll(_now);
        Assert.Equal(900, One().Data.Length); // the three writes as one segment
        Assert.Equal(2000, Stack.Write(conn, Bytes(2000)));
        Assert.False(Stack.FlushWritten(conn, _now)); // a whole segment is queued: at once
        Assert.Equal(new[] { 1460, 540 }, _host.Take().Select(s => s.Data.Length));
    }

    // TSO deferral: while a large segment is in flight and the writer waits for room, what ACKs free piece by
    // piece is gathered into a whole large segment; once the writer's data fits, the tail leaves.
    [Fact]
    public void A_writer_waiting_for_room_fills_whole_large_segments()
    {
        TcpConfig config = TcpHost.Config();
        config.LargeSendBytes = 2 * 1460;
        config.SendBufferBytes = 4 * 2 * 1460;
        using var t = new TcpStateMachineTests(config);
        int conn = t.PassiveOpen();
        uint una = t._iss + 1;
        Assert.Equal(4 * 2920, t.Stack.Write(conn, Bytes(20000))); // the ring is full: the writer waits
        t.Stack.Poll(t._now);
        Assert.Equal(new[] { 2920, 2920, 2920, 2920 }, t._host.Take().Select(s => s.Data.Length));
        t.Peer(t._peerSeq, una += 1460, TcpFlags.Ack); // half a segment acknowledged
        t.NothingSent();
        Assert.Equal(1460, t.Stack.Write(conn, Bytes(5000)));
        Assert.True(t.Stack.FlushWritten(conn, t._now));
        t.Stack.Poll(t._now);
        t.NothingSent(); // half a large segment waits for the rest
        t.Peer(t._peerSeq, una += 1460, TcpFlags.Ack);
        t.NothingSent();
        Assert.Equal(1460, t.Stack.Write(conn, Bytes(5000)));
        Assert.False(t.Stack.FlushWritten(conn, t._now));
        Assert.Equal(2920, t.One().Data.Length); // whole
        t.Peer(t._peerSeq, una += 1460, TcpFlags.Ack);
        Assert.Equal(100, t.Stack.Write(conn, Bytes(100))); // the writer's last: it fits
        Assert.True(t.Stack.FlushWritten(conn, t._now));
        t.Stack.Poll(t._now);
        Assert.Equal(100, t.One().Data.Length);
    }

    [Fact]
    public void Three_duplicate_acks_trigger_a_fast_retransmit()
    {
        int conn = PassiveOpen();
        var sent = WriteAndPoll(conn, 14 * 1460);
        Assert.Equal(10, sent.Count); // initial window: 10 segments of 1460 (RFC 6928)
        _now += 10 * Ms;
        Peer(_peerSeq, _iss + 1 + 1460, TcpFlags.Ack); // the first arrived; the second is lost
        sent = _host.Take();
        Assert.Equal(2, sent.Count); // slow start: the window grew by the segment acknowledged
        uint next = _iss + 1 + 12 * 1460;
        for (int dup = 1; dup <= 2; dup++)
        {
            Peer(_peerSeq, _iss + 1 + 1460, TcpFlags.Ack);
            Assert.Equal(next, One().Header.Sequence); // limited transmit (RFC 3042): one new segment each
            next += 1460;
        }
        Peer(_peerSeq, _iss + 1 + 1460, TcpFlags.Ack);
        sent = _host.Take();
        Assert.Equal(_iss + 1 + 1460, sent[0].Header.Sequence);
        Assert.Equal(1ul, Stack.Counters.FastRetransmits);
        Assert.Equal(0ul, Stack.Counters.Retransmits);
    }

    // After a timeout rewinds SND.NXT, a bare ACK still carries SND.MAX: the peer may hold everything sent,
    // and a lower number would be out of its window (two such peers would trade ACKs forever).
    [Fact]
    public void A_bare_ack_after_a_timeout_carries_the_highest_sequence_sent()
    {
        int conn = PassiveOpen();
        Assert.Equal(3, WriteAndPoll(conn, 3 * 1460).Count);
        _now = Stack.NextDeadline;
        Stack.Poll(_now);
        Assert.Equal(_iss + 1, One().Header.Sequence); // one segment: the window is one segment after a timeout
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack, Bytes(10));
        TcpHeader ack = One().Header;
        Assert.Equal(_iss + 1 + 3 * 1460, ack.Sequence);
        Assert.Equal(_peerSeq + 10, ack.Acknowledgment);
    }

    [Fact]
    public void A_zero_window_is_probed_until_it_opens()
    {
        int conn = PassiveOpen(window: 0);
        Assert.Empty(WriteAndPoll(conn, 500));
        ulong interval = Stack.NextDeadline - _now;
        Assert.Equal(200 * Ms, interval); // the RTO (at its floor after the handshake)
        for (int probe = 0; probe < 3; probe++)
        {
            _now = Stack.NextDeadline;
            Stack.Poll(_now);
            Sent p = One();
            Assert.Single(p.Data);
            Assert.Equal(_iss + 1, p.Header.Sequence);
            Peer(_peerSeq, _iss + 1, TcpFlags.Ack, window: 0); // still closed
            NothingSent();
            interval *= 2;
            Assert.Equal(_now + interval, Stack.NextDeadline);
        }
        Assert.Equal(TcpState.Established, Stack.State(conn)); // probes never give up
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack, window: 1000);
        Assert.Equal(500, One().Data.Length);
        Assert.Equal(3ul, Stack.Counters.WindowProbes);
    }

    [Fact]
    public void A_full_receive_ring_advertises_zero_then_a_window_update()
    {
        using var t = new TcpStateMachineTests(Small());
        int conn = t.PassiveOpen();
        t.Peer(t._peerSeq, t._iss + 1, TcpFlags.Ack, Bytes(1000));
        t.Peer(t._peerSeq + 1000, t._iss + 1, TcpFlags.Ack, Bytes(1000));
        var acks = t._host.Take();
        Assert.Equal(1048, acks[0].Header.Window);
        Assert.Equal(48, acks[1].Header.Window);
        t.Peer(t._peerSeq + 2000, t._iss + 1, TcpFlags.Ack, Bytes(100)); // only 48 fit
        TcpHeader ack = t.One().Header;
        Assert.Equal(t._peerSeq + 2048, ack.Acknowledgment);
        Assert.Equal(0, ack.Window);
        t.Peer(t._peerSeq + 2048, t._iss + 1, TcpFlags.Ack, Bytes(1)); // a probe: answered, not taken
        Assert.Equal(t._peerSeq + 2048, t.One().Header.Acknowledgment);
        Assert.Equal(1500, t.Stack.Read(conn, new byte[1500]));
        Assert.Equal(0ul, t.Stack.NextDeadline);
        t.Stack.Poll(t._now);
        Assert.Equal(1500, t.One().Header.Window);
    }

    private static TcpConfig Small()
    {
        TcpConfig config = TcpHost.Config();
        config.ReceiveBufferBytes = 2048;
        config.SendBufferBytes = 2048;
        config.MaxConnections = 3;
        config.Backlog = 2;
        return config;
    }

    [Fact]
    public void Out_of_order_segments_are_held_and_reassembled()
    {
        int conn = PassiveOpen();
        byte[] all = Bytes(500);
        Peer(_peerSeq + 300, _iss + 1, TcpFlags.Ack, all[300..400]);
        Assert.Equal(_peerSeq, One().Header.Acknowledgment); // a duplicate ACK tells the peer of the gap
        Peer(_peerSeq + 100, _iss + 1, TcpFlags.Ack, all[100..200]);
        Assert.Equal(_peerSeq, One().Header.Acknowledgment);
        Peer(_peerSeq + 400, _iss + 1, TcpFlags.Ack | TcpFlags.Fin, all[400..500]); // a FIN past the gap waits
        Assert.Equal(_peerSeq, One().Header.Acknowledgment);
        Assert.Equal(TcpState.Established, Stack.State(conn));
        Peer(_peerSeq + 150, _iss + 1, TcpFlags.Ack, all[150..350]); // overlaps both
        Assert.Equal(_peerSeq, One().Header.Acknowledgment);
        Assert.Equal(TcpStatus.WouldBlock, (TcpStatus)Stack.Read(conn, new byte[10]));
        Peer(_peerSeq, _iss + 1, TcpFlags.Ack, all[0..100]);
        Assert.Equal(_peerSeq + 501, One().Header.Acknowledgment);
        Assert.Equal(TcpState.CloseWait, Stack.State(conn));
        var buffer = new byte[600];
        Assert.Equal(500, Stack.Read(conn, buffer));
        Assert.Equal(all, buffer[..500]);
        Assert.Equal(0, Stack.Read(conn, buffer));
    }

    [Fact]
    public void Out_of_order_ranges_beyond_the_limit_are_dropped_and_counted()
    {
        int conn = PassiveOpen();
        for (int k = 1; k <= 5; k++) Peer(_peerSeq + (uint)(k * 100), _iss + 1, TcpFlags.Ack, Bytes(10));
        Assert.Equal(1ul, Stack.Counters.DropOutOfOrderFull);
        Assert.Equal(5ul, Stack.Counters.OutOfOrderSegments);
        Assert.Equal(TcpState.Established, Stack.State(conn));
    }

    [Fact]
    public void A_full_backlog_drops_syns()
    {
        using var t = new TcpStateMachineTests(Small());
        int listener = t.Stack.Listen(Port);
        t.Peer(1, 0, TcpFlags.Syn, port: 1001);
        t.Peer(1, 0, TcpFlags.Syn, port: 1002);
        Assert.Equal(2, t._host.Take().Count);
        t.Peer(1, 0, TcpFlags.Syn, port: 1003);
        t.NothingSent();
        Assert.Equal(1ul, t.Stack.Counters.DropBacklogFull);
        Assert.False(t.Stack.HasPendingAccept(listener));
    }

    [Fact]
    public void Time_wait_is_reused_when_the_pool_is_full()
    {
        using var t = new TcpStateMachineTests(Small());
        int listener = t.Stack.Listen(Port);
        for (ushort p = 1; p <= 3; p++)
        {
            t.Peer(1, 0, TcpFlags.Syn, port: p);
            uint iss = t.One().Header.Sequence;
            t.Peer(2, iss + 1, TcpFlags.Ack, port: p);
            int conn = t.Stack.Accept(listener);
            Assert.True(conn >= 0);
            t.Stack.Close(conn);
            t.Stack.Poll(t._now);
            t.One();
            t.Peer(2, iss + 2, TcpFlags.Ack | TcpFlags.Fin, port: p); // ACK of our FIN and its own FIN
            t.One();
        }
        t.Peer(1, 0, TcpFlags.Syn, port: 4); // the pool is full of TIME-WAIT
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, t.One().Header.Flags);
        Assert.Equal(1ul, t.Stack.Counters.TimeWaitReused);
    }

    [Fact]
    public void The_syn_ack_is_retransmitted_and_a_retransmitted_syn_answered()
    {
        Stack.Listen(Port);
        Peer(_peerSeq, 0, TcpFlags.Syn);
        _iss = One().Header.Sequence;
        Peer(_peerSeq, 0, TcpFlags.Syn);
        Assert.Equal(_iss, One().Header.Sequence);
        _now = Stack.NextDeadline;
        Stack.Poll(_now);
        TcpHeader again = One().Header;
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, again.Flags);
        Assert.Equal(_iss, again.Sequence);
    }

    [Fact]
    public void Counters_append_as_one_line()
    {
        PassiveOpen();
        Span<char> buffer = stackalloc char[1024];
        var text = new Unikernel.Core.Text.TextBuilder(buffer);
        Stack.Counters.AppendTo(ref text);
        string line = text.Text.ToString();
        Assert.StartsWith("tcp in=2 out=1 ", line);
        Assert.Contains(" opened=1 ", line);
        Assert.False(text.Truncated);
    }
}
