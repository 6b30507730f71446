using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Unikernel.Core.Net;
using Unikernel.Core.Net.Tcp;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Net.Linux;

// Our stack compiled for the host, wired to a TAP device as NetworkService wires it to netfront: frames in
// through ReceiveFrame (checksums not vouched for), TCP through the interface's SendIpv4, both polled by their
// deadlines, time from a Stopwatch. Pump runs it until a condition holds, within a time limit. Loss and
// reordering of TCP frames may be injected on our side of the tap (seeded).
internal sealed unsafe class TapStack : IDisposable
{
    private const ulong Ms = 1_000_000;
    private const long MaxTurns = 50_000_000;
    private const int MaxFramesPerTurn = 256;
    public readonly NetworkInterface* Nic;
    public readonly TcpStack Tcp;
    public double DropIn, DropOut, ReorderIn; // chances, for TCP frames
    public int DroppedIn, DroppedOut, ReorderedIn;
    private readonly TapDevice _tap;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly byte* _tcpMemory;
    private readonly byte* _udpQueue;
    private readonly GCHandle _self;
    private readonly Random _random;
    private readonly byte[] _frame = new byte[65536];
    private byte[]? _held;

    public const int UdpQueueDatagrams = 8;

    public TapStack(TapDevice tap, MacAddress mac, uint address, int prefixLength, int seed)
    {
        _tap = tap;
        _random = new Random(seed);
        _self = GCHandle.Alloc(this);
        ulong context = (ulong)GCHandle.ToIntPtr(_self);
        Nic = (NetworkInterface*)NativeMemory.AllocZeroed((nuint)sizeof(NetworkInterface));
        *Nic = new NetworkInterface(mac, address, prefixLength, 0, &Transmit, context);
        TcpConfig config = TcpConfig.Default(address, 0x5EED_0000 + (ulong)seed);
        config.MaxConnections = 8;
        nuint bytes = TcpStack.BytesNeeded(config);
        _tcpMemory = (byte*)NativeMemory.AlignedAlloc(bytes, 16);
        if (!TcpStack.Init(_tcpMemory, bytes, config, &TcpOutput, (ulong)Nic, out Tcp)) throw new InvalidOperationException("TcpStack.Init");
        Nic->SetTcpHandler(&TcpInput, context);
        _udpQueue = (byte*)NativeMemory.Alloc((nuint)(UdpQueueDatagrams * UdpSockets.SlotBytes));
    }

    // Nanoseconds since start, from 1 s so that no time is 0 (deadlines use 0 for "none").
    public ulong Now => 1_000 * Ms + (ulong)_clock.Elapsed.Ticks * 100;

    public bool UdpBind(ushort port) => Nic->UdpBind(port, _udpQueue, UdpQueueDatagrams * UdpSockets.SlotBytes);

    // Runs the stack until done() holds, calling step() (the application's part) before each check. Fails the
    // test with what is named and the counters when limit passes first.
    public void Pump(string what, TimeSpan limit, Func<bool> done, Action? step = null)
    {
        var started = Stopwatch.StartNew();
        for (long turn = 0; turn < MaxTurns; turn++)
        {
            step?.Invoke();
            if (done()) return;
            if (started.Elapsed > limit) Assert.Fail($"{what}: not done after {limit.TotalSeconds} s; {Describe()}");
            Turn();
        }
        Assert.Fail($"{what}: not done after {MaxTurns} turns; {Describe()}");
    }

    // Waits for frames (at most until the next deadline, and 5 ms so the application's step runs often), hands
    // them in, then runs what is due.
    private void Turn()
    {
        ulong now = Now;
        ulong next = Math.Min(Nic->NextDeadline, Tcp.NextDeadline);
        int wait = next <= now ? 0 : (int)Math.Min(5, (next - now + Ms - 1) / Ms);
        int frames = 0;
        for (int length; frames < MaxFramesPerTurn && (length = _tap.Read(_frame, frames == 0 ? wait : 0)) > 0; frames++)
            Deliver(_frame.AsSpan(0, length));
        if (frames == 0 && _held != null) ReleaseHeld();
        now = Now;
        if (Nic->NextDeadline <= now) Nic->Poll(now);
        if (Tcp.NextDeadline <= now) Tcp.Poll(now);
    }

    private void Deliver(ReadOnlySpan<byte> frame)
    {
        if (IsTcp(frame))
        {
            if (_random.NextDouble() < DropIn)
            {
                DroppedIn++;
                return;
            }
            if (_held == null && _random.NextDouble() < ReorderIn)
            {
                _held = frame.ToArray(); // delivered after the next frame: the two swap places
                return;
            }
        }
        Nic->ReceiveFrame(frame, false, Now);
        if (_held != null) ReleaseHeld();
    }

    private void ReleaseHeld()
    {
        byte[] held = _held!;
        _held = null;
        ReorderedIn++;
        Nic->ReceiveFrame(held, false, Now);
    }

    private static bool IsTcp(ReadOnlySpan<byte> frame) =>
        frame.Length > 23 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == Ipv4Packet.ProtocolTcp;

    private static TapStack Of(ulong context) => (TapStack)GCHandle.FromIntPtr((IntPtr)(long)context).Target!;

    private static bool Transmit(ulong context, ReadOnlySpan<byte> frame, int segmentSize)
    {
        TapStack stack = Of(context);
        if (IsTcp(frame) && stack._random.NextDouble() < stack.DropOut)
        {
            stack.DroppedOut++;
            return true; // lost on the wire, as far as our stack can tell
        }
        return stack._tap.Write(frame);
    }

    private static void TcpInput(ulong context, uint source, uint destination, ReadOnlySpan<byte> segment, bool validated, ulong now) =>
        Of(context).Tcp.Receive(source, destination, segment, validated, now);

    private static bool TcpOutput(ulong context, uint destination, byte protocol, ReadOnlySpan<byte> segment, int segmentSize, ulong now) =>
        ((NetworkInterface*)context)->SendIpv4(destination, protocol, segment, segmentSize, now);

    // The counters, for failure messages.
    public string Describe()
    {
        var text = new TextBuilder(new char[2048]);
        Tcp.Counters.AppendTo(ref text);
        text.Append("; ");
        Nic->Counters.AppendTo(ref text);
        return $"{text.Text}; injected drop-in={DroppedIn} drop-out={DroppedOut} reordered={ReorderedIn}";
    }

    public void Dispose()
    {
        _tap.Dispose();
        NativeMemory.AlignedFree(_tcpMemory);
        NativeMemory.Free(_udpQueue);
        NativeMemory.Free(Nic);
        _self.Free();
    }
}
