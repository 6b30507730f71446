using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.Net.Tcp;

namespace Unikernel.Tests.Core.Net.Tcp;

// Two stacks joined by an in-memory wire that loses, corrupts, duplicates and reorders segments (a seeded
// random, simulated time): a MiB each way arrives byte for byte, and both sides close.
public sealed unsafe class TcpEndToEndTests
{
    private const ulong Ms = 1_000_000;
    private const uint AddressA = 0x0A000001, AddressB = 0x0A000002;

    private sealed class Wire
    {
        public readonly Random Random;
        public double Loss, Corrupt, Duplicate;
        public ulong Now;
        public readonly PriorityQueue<(uint Destination, byte[] Bytes, uint Source), (ulong, long)> InFlight = new();
        private long _order;
        public int Sent;

        public Wire(int seed) => Random = new Random(seed);

        public void Put(uint source, uint destination, byte[] bytes)
        {
            Sent++;
            if (Random.NextDouble() < Loss) return;
            if (Random.NextDouble() < Corrupt) bytes[Random.Next(bytes.Length)] ^= (byte)(1 << Random.Next(8));
            int copies = Random.NextDouble() < Duplicate ? 2 : 1;
            for (int k = 0; k < copies; k++)
            {
                // 1 ms of latency and up to 2 ms of jitter: segments overtake each other.
                ulong at = Now + Ms + (ulong)Random.Next(0, 2_000_000);
                InFlight.Enqueue((destination, (byte[])bytes.Clone(), source), (at, _order++));
            }
        }
    }

    private sealed class Side : IDisposable
    {
        public readonly TcpStack Stack;
        public readonly uint Address;
        private readonly Wire _wire;
        private readonly byte* _memory;
        private readonly GCHandle _self;

        public Side(Wire wire, uint address, ulong seed)
        {
            _wire = wire;
            Address = address;
            TcpConfig config = TcpConfig.Default(address, seed);
            nuint bytes = TcpStack.BytesNeeded(config);
            _memory = (byte*)NativeMemory.AlignedAlloc(bytes, 16);
            _self = GCHandle.Alloc(this);
            Assert.True(TcpStack.Init(_memory, bytes, config, &Output, (ulong)GCHandle.ToIntPtr(_self), out Stack));
        }

        private static bool Output(ulong context, uint destination, byte protocol, ReadOnlySpan<byte> segment, ulong now)
        {
            var side = (Side)GCHandle.FromIntPtr((IntPtr)(long)context).Target!;
            side._wire.Put(side.Address, destination, segment.ToArray());
            return true;
        }

        public void Dispose()
        {
            _self.Free();
            NativeMemory.AlignedFree(_memory);
        }
    }

    [Theory]
    [InlineData(1, 0.0, 0.0, 0.0)]
    [InlineData(2, 0.05, 0.01, 0.01)]
    [InlineData(3, 0.10, 0.02, 0.02)]
    [MemberData(nameof(Stress))]
    public void A_mebibyte_each_way_over_a_bad_wire(int seed, double loss, double corrupt, double duplicate)
    {
        const int Length = 1 << 20;
        var wire = new Wire(seed) { Loss = loss, Corrupt = corrupt, Duplicate = duplicate };
        using var a = new Side(wire, AddressA, 0xA11CE + (ulong)seed);
        using var b = new Side(wire, AddressB, 0xB0B + (ulong)seed);
        byte[] fromA = Pattern(Length, seed * 2), fromB = Pattern(Length, seed * 2 + 1);
        int listener = b.Stack.Listen(8080);
        int connA = a.Stack.Connect(AddressB, 8080);
        int connB = -1;
        int writtenA = 0, writtenB = 0, readA = 0, readB = 0;
        bool closedA = false, closedB = false, eofA = false, eofB = false;
        var buffer = new byte[4096];
        ulong now = 0;
        for (int step = 0; step < 2_000_000; step++)
        {
            if (connB < 0) connB = b.Stack.Accept(listener) is int c && c >= 0 ? c : -1;
            Pump(a.Stack, connA, fromA, ref writtenA, fromB, ref readA, ref closedA, ref eofA, buffer);
            if (connB >= 0) Pump(b.Stack, connB, fromB, ref writtenB, fromA, ref readB, ref closedB, ref eofB, buffer);
            if (eofA && eofB && closedA && closedB && a.Stack.NextDeadline == ulong.MaxValue && b.Stack.NextDeadline == ulong.MaxValue
                && wire.InFlight.Count == 0) break;

            ulong next = Math.Min(a.Stack.NextDeadline, b.Stack.NextDeadline);
            if (wire.InFlight.TryPeek(out _, out var at)) next = Math.Min(next, at.Item1);
            Assert.NotEqual(ulong.MaxValue, next); // nothing left to happen while the transfer is unfinished: stuck
            now = Math.Max(now, next);
            wire.Now = now;
            while (wire.InFlight.TryPeek(out var segment, out var when) && when.Item1 <= now)
            {
                wire.InFlight.Dequeue();
                TcpStack to = segment.Destination == AddressA ? a.Stack : b.Stack;
                to.Receive(segment.Source, segment.Destination, segment.Bytes, false, now);
            }
            if (a.Stack.NextDeadline <= now) a.Stack.Poll(now);
            if (b.Stack.NextDeadline <= now) b.Stack.Poll(now);
        }
        Assert.Equal(Length, readA);
        Assert.Equal(Length, readB);
        Assert.True(eofA && eofB && closedA && closedB);
        Assert.Equal(ulong.MaxValue, a.Stack.NextDeadline); // both slots freed: TIME-WAIT over, LAST-ACK done
        Assert.Equal(ulong.MaxValue, b.Stack.NextDeadline);
        Assert.Equal(0ul, a.Stack.Counters.ConnectionsTimedOut + b.Stack.Counters.ConnectionsTimedOut);
        if (loss > 0) Assert.True(a.Stack.Counters.Retransmits + a.Stack.Counters.FastRetransmits > 0);
        if (corrupt > 0) Assert.True(a.Stack.Counters.DropBadChecksum + b.Stack.Counters.DropBadChecksum > 0);
        Assert.True(now < 600_000 * Ms, $"took {now / Ms} ms of simulated time");
    }

    // More seeds, losing 2% to 18%.
    public static IEnumerable<object[]> Stress()
    {
        for (int s = 10; s < 30; s++) yield return new object[] { s, 0.02 + (s % 5) * 0.04, 0.02, 0.02 };
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // Writes what fits, reads and checks what came, closes once all is written and the peer's end was read.
    private static void Pump(TcpStack stack, int conn, byte[] output, ref int written, byte[] expected, ref int read,
        ref bool closed, ref bool eof, byte[] buffer)
    {
        if (closed) return;
        while (written < output.Length)
        {
            int n = stack.Write(conn, output.AsSpan(written, Math.Min(8192, output.Length - written)));
            if (n == (int)TcpStatus.WouldBlock) break;
            Assert.True(n > 0, $"write: {(TcpStatus)n}");
            written += n;
        }
        while (!eof)
        {
            int n = stack.Read(conn, buffer);
            if (n == (int)TcpStatus.WouldBlock) break;
            Assert.True(n >= 0, $"read: {(TcpStatus)n}");
            if (n == 0)
            {
                eof = true;
                break;
            }
            for (int i = 0; i < n; i++)
                if (buffer[i] != expected[read + i]) Assert.Fail($"byte {read + i} differs");
            read += n;
        }
        if (written == output.Length && eof)
        {
            // Half-close first so everything queued is still delivered; Close gives the handle up.
            Assert.Equal(TcpStatus.Ok, stack.Close(conn));
            closed = true;
        }
        else if (written == output.Length && stack.State(conn) == TcpState.Established) stack.Shutdown(conn);
    }
}
