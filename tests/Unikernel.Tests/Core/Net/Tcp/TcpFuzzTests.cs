using System;
using CsCheck;
using Unikernel.Core.Net.Tcp;
using static Unikernel.Tests.Core.Net.Tcp.TcpHost;

namespace Unikernel.Tests.Core.Net.Tcp;

// Generated sequences of segments near a live connection's numbers (any flags, overlapping data, old and
// future acknowledgments), application calls and clock steps: the stack never throws (in the guest a throw
// is fatal), every segment it sends parses, and after Poll it never asks to be polled again at once.
public sealed class TcpFuzzTests
{
    private const ushort Port = 80, PeerPort = 40000;

    private static readonly Gen<(int Kind, int Seq, int Ack, byte Flags, int Length, ushort Window, int Step)> Op =
        Gen.Select(Gen.Int[0, 11], Gen.Int[-3000, 3000], Gen.Int[-3000, 3000], Gen.Byte, Gen.Int[0, 1500], Gen.UShort, Gen.Int[0, 3000])
            .Select((k, s, a, f, l, w, t) => (k, s, a, f, l, w, t));

    [Fact]
    public void Any_segments_and_calls_on_a_live_connection_are_survived()
    {
        Property.Check(Op.Array[1, 40], ops =>
        {
            TcpConfig config = TcpHost.Config();
            config.MaxConnections = 3;
            config.SendBufferBytes = config.ReceiveBufferBytes = 4096;
            config.Backlog = 2;
            config.DelayedAck = 40_000_000;
            config.KeepAliveIdle = 5_000_000_000;
            config.KeepAliveInterval = 1_000_000_000;
            config.KeepAliveProbes = 2;
            using var host = new TcpHost(config);
            TcpStack stack = host.Stack;
            ulong now = 1_000_000_000;
            int listener = stack.Listen(Port);
            uint peerSeq = 7000;
            stack.Receive(Remote, Local, Segment(PeerPort, Port, peerSeq, 0, TcpFlags.Syn, mss: 1000), false, now);
            uint iss = host.Take()[0].Header.Sequence;
            peerSeq++;
            stack.Receive(Remote, Local, Segment(PeerPort, Port, peerSeq, iss + 1, TcpFlags.Ack), false, now);
            int conn = stack.Accept(listener);
            Assert.True(conn >= 0);
            var buffer = new byte[2000];
            foreach (var op in ops)
            {
                switch (op.Kind)
                {
                    case <= 5:
                        byte flags = op.Kind < 3 ? (byte)(op.Flags & (TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin) | TcpFlags.Ack) : op.Flags;
                        ushort port = op.Kind == 5 ? (ushort)(PeerPort + 1) : PeerPort;
                        byte[] data = new byte[op.Length];
                        stack.Receive(Remote, Local, Segment(port, Port, (uint)(peerSeq + op.Seq), (uint)(iss + 1 + op.Ack), flags, op.Window, data), false, now);
                        if (op.Seq == 0 && op.Length > 0) peerSeq += (uint)op.Length;
                        break;
                    case 6:
                        now += (ulong)op.Step * 1_000_000;
                        stack.Poll(now);
                        Assert.True(stack.NextDeadline > now, "Poll left work due");
                        break;
                    case 7:
                        stack.Write(conn, new byte[op.Length]);
                        break;
                    case 8:
                        stack.Read(conn, buffer.AsSpan(0, op.Length));
                        break;
                    case 9:
                        stack.Shutdown(conn);
                        break;
                    case 10:
                        if (op.Flags < 32) stack.Abort(conn);
                        else if (op.Flags < 64) stack.Close(conn);
                        else stack.Connect(Remote, (ushort)(1 + op.Length));
                        break;
                    default:
                        if (stack.Accept(listener) is int accepted && accepted >= 0) conn = accepted;
                        break;
                }
                foreach (var sent in host.Take())
                {
                    Assert.Equal(TcpParseResult.Ok, TcpHeader.TryParse(sent.Bytes, out _));
                    Assert.True(TcpHeader.VerifyChecksum(sent.Bytes, Local, sent.Destination));
                }
            }
            // Left alone, everything ends: timers fire a bounded number of times.
            for (int k = 0; k < 200 && stack.NextDeadline != ulong.MaxValue; k++)
            {
                now = Math.Max(now, stack.NextDeadline);
                stack.Poll(now);
            }
            stack.Abort(conn);
            for (int k = 0; k < 200 && stack.NextDeadline != ulong.MaxValue; k++)
            {
                now = Math.Max(now, stack.NextDeadline);
                stack.Poll(now);
            }
            Assert.Equal(ulong.MaxValue, stack.NextDeadline);
        });
    }
}
