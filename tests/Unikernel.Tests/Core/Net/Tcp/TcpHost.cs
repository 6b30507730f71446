using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.Net;
using Unikernel.Core.Net.Tcp;

namespace Unikernel.Tests.Core.Net.Tcp;

// A TcpStack in native memory whose output function records every segment (and may refuse to send).
internal sealed unsafe class TcpHost : IDisposable
{
    public const uint Local = 0x0A000001, Remote = 0x0A000002;
    public readonly TcpStack Stack;
    public readonly List<Sent> Output = new();
    public bool LinkUp = true;
    private readonly byte* _memory;
    private readonly GCHandle _self;

    public readonly record struct Sent(uint Destination, byte[] Bytes, ulong Now)
    {
        public TcpHeader Header
        {
            get
            {
                Assert.Equal(TcpParseResult.Ok, TcpHeader.TryParse(Bytes, out TcpHeader h));
                return h;
            }
        }
        public byte[] Data => Bytes[Header.HeaderLength..];
    }

    public TcpHost(TcpConfig config)
    {
        nuint bytes = TcpStack.BytesNeeded(config);
        Assert.NotEqual(0u, (uint)bytes);
        _memory = (byte*)NativeMemory.AlignedAlloc(bytes, 16);
        _self = GCHandle.Alloc(this);
        Assert.True(TcpStack.Init(_memory, bytes, config, &Capture, (ulong)GCHandle.ToIntPtr(_self), out Stack));
    }

    // The defaults but for delayed ACKs: scripted tests see each ACK as its segment is taken.
    public static TcpConfig Config(uint local = Local)
    {
        TcpConfig config = TcpConfig.Default(local, 0x1234_5678_9ABC_DEF0);
        config.DelayedAck = 0;
        return config;
    }

    private static bool Capture(ulong context, uint destination, byte protocol, ReadOnlySpan<byte> segment, int segmentSize, ulong now)
    {
        var host = (TcpHost)GCHandle.FromIntPtr((IntPtr)(long)context).Target!;
        Assert.Equal(6, protocol);
        host.Output.Add(new Sent(destination, segment.ToArray(), now));
        return host.LinkUp;
    }

    // Takes and clears what was sent.
    public List<Sent> Take()
    {
        var sent = new List<Sent>(Output);
        Output.Clear();
        return sent;
    }

    public void Dispose()
    {
        _self.Free();
        NativeMemory.AlignedFree(_memory);
    }

    // A segment from source to destination with a correct checksum.
    public static byte[] Segment(ushort sourcePort, ushort destinationPort, uint seq, uint ack, byte flags, ushort window = 65535,
        byte[]? data = null, ushort mss = 0, int windowScale = -1, uint source = Remote, uint destination = Local,
        uint? tsValue = null, uint tsEcho = 0)
    {
        var h = new TcpHeader
        {
            SourcePort = sourcePort, DestinationPort = destinationPort, Sequence = seq, Acknowledgment = ack, Flags = flags,
            Window = window, Mss = mss, HasWindowScale = windowScale >= 0, WindowScale = (byte)Math.Max(0, windowScale),
            HasTimestamps = tsValue.HasValue, TimestampValue = tsValue ?? 0, TimestampEcho = tsEcho,
        };
        data ??= Array.Empty<byte>();
        var bytes = new byte[h.EncodedLength + data.Length];
        int n = h.Write(bytes);
        data.CopyTo(bytes, n);
        TcpHeader.FillChecksum(bytes, source, destination);
        return bytes;
    }
}
