using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.Net.Tcp;

namespace Unikernel.Tests.Core.Net.Tcp;

// Two stacks joined by an in-memory wire that loses, corrupts, duplicates and reorders segments (a seeded
// random, simulated time): a MiB each way, or eight connections at once, arrives byte for byte, and every
// connection closes and frees its slot on both sides.
public sealed unsafe class TcpEndToEndTests
{
    private const ulong Ms = 1_000_000;
    private const uint AddressA = 0x0A000001, AddressB = 0x0A000002;

    private sealed class Wire
    {
        public readonly Random Random;
        public double Loss, Corrupt, Duplicate, RefuseLarge; // RefuseLarge: the device has no large buffer free
        public ulong Now;
        public readonly PriorityQueue<(uint Destination, byte[] Bytes, uint Source), (ulong, long)> InFlight = new();
        private long _order;
        public int Sent, LargeSegments;

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
        private readonly IntPtr[] _blocks = Array.Empty<IntPtr>();
        private readonly GCHandle _self;
        private readonly byte* _scratch;

        public Side(Wire wire, uint address, ulong seed, int largeSend = 0)
        {
            _wire = wire;
            Address = address;
            TcpConfig config = TcpConfig.Default(address, seed);
            config.LargeSendBytes = largeSend;
            _self = GCHandle.Alloc(this);
            if ((address & 1) != 0)
            {
                nuint bytes = TcpStack.BytesNeeded(config);
                _memory = (byte*)NativeMemory.AlignedAlloc(bytes, 16);
                Assert.True(TcpStack.Init(_memory, bytes, config, &Output, (ulong)GCHandle.ToIntPtr(_self), out Stack));
                if (largeSend > 0 && (seed & 1) != 0)
                {
                    // Segments built in memory of the platform's (as the guest's IP layer's large-send buffer).
                    _scratch = (byte*)NativeMemory.Alloc((nuint)Stack.ScratchSize);
                    Assert.False(Stack.UseScratch(_scratch, Stack.ScratchSize - 1));
                    Assert.True(Stack.UseScratch(_scratch, Stack.ScratchSize));
                }
                return;
            }
            // The other side lays its rings out in blocks of three connections, as the guest does (its page
            // runs are shorter than the whole).
            nuint state = TcpStack.StateBytes(config);
            int blocks = TcpStack.RingBlocks(config, 3 * TcpStack.RingBytes(config) + 1, out nuint block);
            Assert.Equal((config.MaxConnections + 2) / 3, blocks);
            _memory = (byte*)NativeMemory.AlignedAlloc(state, 16);
            _blocks = new IntPtr[blocks];
            byte** pointers = stackalloc byte*[blocks];
            for (int b = 0; b < blocks; b++) _blocks[b] = (IntPtr)(pointers[b] = (byte*)NativeMemory.AlignedAlloc(block, 16));
            Assert.True(TcpStack.InitSplit(_memory, state, pointers, block, config, &Output, (ulong)GCHandle.ToIntPtr(_self), out Stack));
        }

        private static bool Output(ulong context, uint destination, byte protocol, ReadOnlySpan<byte> segment, int segmentSize, ulong now)
        {
            var side = (Side)GCHandle.FromIntPtr((IntPtr)(long)context).Target!;
            if (segmentSize == 0)
            {
                side._wire.Put(side.Address, destination, segment.ToArray());
                return true;
            }
            // What the device does with a large segment (TSO): packets of segmentSize, each checksummed.
            if (side._wire.Random.NextDouble() < side._wire.RefuseLarge) return false;
            side._wire.LargeSegments++;
            foreach (byte[] packet in SegmentationOffload.Cut(segment, segmentSize, side.Address, destination))
                side._wire.Put(side.Address, destination, packet);
            return true;
        }

        public void Dispose()
        {
            _self.Free();
            NativeMemory.AlignedFree(_memory);
            foreach (var block in _blocks) NativeMemory.AlignedFree((void*)block);
            if (_scratch != null) NativeMemory.Free(_scratch);
        }
    }

    [Theory]
    [InlineData(1, 0.0, 0.0, 0.0)]
    [InlineData(2, 0.05, 0.01, 0.01)]
    [InlineData(3, 0.10, 0.02, 0.02)]
    [MemberData(nameof(Stress))]
    public void A_mebibyte_each_way_over_a_bad_wire(int seed, double loss, double corrupt, double duplicate) =>
        Transfer(seed, loss, corrupt, duplicate, connections: 1, length: 1 << 20);

    // TSO on A: A hands down segments of up to LargeSendBytes, which an emulated device cuts at the MSS.
    // A device that refuses some large segments (its large buffers busy) gets one MSS in their place.
    [Theory]
    [InlineData(6, 0.0, 0.0)]
    [InlineData(7, 0.05, 0.0)]
    [InlineData(8, 0.02, 0.3)]
    public void Large_segments_cut_by_the_device_arrive_byte_for_byte(int seed, double loss, double refuseLarge)
    {
        Wire wire = Transfer(seed, loss, 0.0, 0.01, connections: 2, length: 1 << 20, largeSend: TcpConfig.MaxLargeSendBytes, refuseLarge: refuseLarge,
            check: (a, b) => Assert.Equal(refuseLarge > 0, a.Counters.LargeRefused + b.Counters.LargeRefused > 0));
        Assert.True(wire.LargeSegments > 0, "no segment larger than the MSS was handed down");
    }

    // Connections at once through one listener: each stream stays on its own connection.
    [Theory]
    [InlineData(4, 0.0)]
    [InlineData(5, 0.05)]
    public void Eight_connections_at_once(int seed, double loss) =>
        Transfer(seed, loss, 0.01, 0.01, connections: 8, length: 128 * 1024);

    // One end of a connection: the stream it writes and the one it expects. A's k-th stream starts with the
    // byte k, so B's accepted connection learns which stream it carries.
    private sealed class End
    {
        public TcpStack Stack;
        public int Conn = -1;
        public byte[]? Output, Expected;
        public int Length, Written, Read;
        public bool Closed, Eof;
    }

    private static Wire Transfer(int seed, double loss, double corrupt, double duplicate, int connections, int length, int largeSend = 0,
        double refuseLarge = 0, Action<TcpStack, TcpStack>? check = null)
    {
        var wire = new Wire(seed) { Loss = loss, Corrupt = corrupt, Duplicate = duplicate, RefuseLarge = refuseLarge };
        using var a = new Side(wire, AddressA, 0xA11CE + (ulong)seed, largeSend);
        using var b = new Side(wire, AddressB, 0xB0B + (ulong)seed, largeSend);
        int listener = b.Stack.Listen(8080);
        var ends = new List<End>();
        for (int k = 0; k < connections; k++)
        {
            ends.Add(new End
            {
                Stack = a.Stack, Conn = a.Stack.Connect(AddressB, 8080), Length = length,
                Output = Stream(length, seed, k), Expected = Pattern(length, seed * 100 + 50 + k),
            });
        }
        var buffer = new byte[4096];
        ulong now = 0;
        for (int step = 0; step < 4_000_000; step++)
        {
            if (b.Stack.Accept(listener) is int accepted && accepted >= 0) ends.Add(new End { Stack = b.Stack, Conn = accepted, Length = length });
            foreach (End end in ends) Pump(end, seed, buffer);
            if (ends.Count == 2 * connections && ends.TrueForAll(e => e.Closed && e.Eof) && a.Stack.NextDeadline == ulong.MaxValue
                && b.Stack.NextDeadline == ulong.MaxValue && wire.InFlight.Count == 0) break;

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
        Assert.Equal(2 * connections, ends.Count);
        foreach (End end in ends)
        {
            Assert.Equal(length, end.Read);
            Assert.True(end.Eof && end.Closed);
        }
        Assert.Equal(ulong.MaxValue, a.Stack.NextDeadline); // every slot freed: TIME-WAIT over, LAST-ACK done
        Assert.Equal(ulong.MaxValue, b.Stack.NextDeadline);
        Assert.Equal(0ul, a.Stack.Counters.ConnectionsTimedOut + b.Stack.Counters.ConnectionsTimedOut);
        Assert.Equal((ulong)connections, a.Stack.Counters.ConnectionsOpened);
        if (loss > 0) Assert.True(a.Stack.Counters.Retransmits + a.Stack.Counters.FastRetransmits > 0);
        if (corrupt > 0) Assert.True(a.Stack.Counters.DropBadChecksum + b.Stack.Counters.DropBadChecksum > 0);
        Assert.True(now < 600_000 * Ms, $"took {now / Ms} ms of simulated time");
        check?.Invoke(a.Stack, b.Stack);
        return wire;
    }

    // More seeds, losing 2% to 18%.
    public static IEnumerable<object[]> Stress()
    {
        for (int s = 10; s < 30; s++) yield return new object[] { s, 0.02 + (s % 5) * 0.04, 0.02, 0.02 };
    }

    // A's k-th stream: random bytes but the first, k.
    private static byte[] Stream(int length, int seed, int k)
    {
        byte[] bytes = Pattern(length, seed * 100 + k);
        bytes[0] = (byte)k;
        return bytes;
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // Writes what fits, reads and checks what came; closes once all is written and the peer's end was read
    // (Shutdown first, so the FIN follows the data while reading goes on).
    private static void Pump(End end, int seed, byte[] buffer)
    {
        if (end.Closed) return;
        TcpStack stack = end.Stack;
        while (end.Output != null && end.Written < end.Output.Length)
        {
            int n = stack.Write(end.Conn, end.Output.AsSpan(end.Written, Math.Min(8192, end.Output.Length - end.Written)));
            if (n == (int)TcpStatus.WouldBlock) break;
            Assert.True(n > 0, $"write: {(TcpStatus)n}");
            end.Written += n;
        }
        while (!end.Eof)
        {
            int n = stack.Read(end.Conn, buffer);
            if (n == (int)TcpStatus.WouldBlock) break;
            Assert.True(n >= 0, $"read: {(TcpStatus)n}");
            if (n == 0)
            {
                end.Eof = true;
                break;
            }
            if (end.Expected == null)
            {
                // B learns its stream from the first byte and answers with the one A's end expects.
                int k = buffer[0];
                end.Expected = Stream(end.Length, seed, k);
                end.Output = Pattern(end.Length, seed * 100 + 50 + k);
            }
            for (int i = 0; i < n; i++)
                if (buffer[i] != end.Expected[end.Read + i]) Assert.Fail($"byte {end.Read + i} differs");
            end.Read += n;
        }
        if (end.Output != null && end.Written == end.Output.Length && end.Eof)
        {
            Assert.Equal(TcpStatus.Ok, stack.Close(end.Conn));
            end.Closed = true;
        }
        else if (end.Output != null && end.Written == end.Output.Length && stack.State(end.Conn) == TcpState.Established)
            stack.Shutdown(end.Conn);
    }
}
