using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.Net;

namespace Unikernel.Tests.Core.Net;

// A NetworkInterface in native memory (where the guest keeps it: memory that does not move) whose transmit
// function records the frames it sends, and whose TCP hook records the segments it is given. Our end is
// 10.0.0.2/24 at 00:16:3e:00:00:01 behind gateway 10.0.0.1; Peer is a neighbour on the subnet.
internal sealed unsafe class TestNetwork : IDisposable
{
    public const uint Address = 0x0A000002, Gateway = 0x0A000001, PeerIp = 0x0A000005;
    public static readonly MacAddress Mac = new(0x00163E000001), PeerMac = new(0x00163E000099), GatewayMac = new(0x00163E0000FE);

    public readonly List<byte[]> Sent = new();
    public readonly List<int> SegmentSizes = new(); // each sent frame's segmentSize (0 but for a large TCP segment)
    public readonly List<(uint Source, uint Destination, byte[] Segment, bool Validated, ulong Now)> Segments = new();
    public bool Accept = true;
    public readonly NetworkInterface* Nic;
    private GCHandle _self;
    private readonly List<IntPtr> _queues = new();

    public TestNetwork(int prefixLength = 24, uint gateway = Gateway)
    {
        _self = GCHandle.Alloc(this);
        Nic = (NetworkInterface*)NativeMemory.AllocZeroed((nuint)sizeof(NetworkInterface));
        *Nic = new NetworkInterface(Mac, Address, prefixLength, gateway, &Transmit, (ulong)GCHandle.ToIntPtr(_self));
        Nic->SetTcpHandler(&Tcp, (ulong)GCHandle.ToIntPtr(_self));
    }

    // Binds port with a receive queue of the given number of datagrams, freed with the network.
    public bool Bind(ushort port, int datagrams)
    {
        byte* queue = (byte*)NativeMemory.Alloc((nuint)(datagrams * UdpSockets.SlotBytes));
        _queues.Add((IntPtr)queue);
        return Nic->UdpBind(port, queue, datagrams * UdpSockets.SlotBytes);
    }

    public void Receive(byte[] frame, bool validated = false, ulong now = 0) => Nic->ReceiveFrame(frame, validated, now);

    public byte[] TakeOnly()
    {
        Assert.Single(Sent);
        byte[] frame = Sent[0];
        Sent.Clear();
        return frame;
    }

    private static TestNetwork Of(ulong context) => (TestNetwork)GCHandle.FromIntPtr((IntPtr)(long)context).Target!;

    private static bool Transmit(ulong context, ReadOnlySpan<byte> frame, int segmentSize)
    {
        TestNetwork network = Of(context);
        if (network.Accept) network.Sent.Add(frame.ToArray());
        if (network.Accept) network.SegmentSizes.Add(segmentSize);
        return network.Accept;
    }

    private static void Tcp(ulong context, uint source, uint destination, ReadOnlySpan<byte> segment, bool validated, ulong now) =>
        Of(context).Segments.Add((source, destination, segment.ToArray(), validated, now));

    public void Dispose()
    {
        NativeMemory.Free(Nic);
        foreach (IntPtr queue in _queues) NativeMemory.Free((void*)queue);
        _self.Free();
    }

    // Frames as a peer would send them.
    public static byte[] Frame(MacAddress to, MacAddress from, ushort type, ReadOnlySpan<byte> payload, int padTo = 0)
    {
        var frame = new byte[Math.Max(14 + payload.Length, padTo)];
        EthernetFrame.WriteHeader(frame, to, from, type);
        payload.CopyTo(frame.AsSpan(14));
        return frame;
    }

    public static byte[] Arp(ushort operation, MacAddress senderMac, uint senderIp, MacAddress targetMac, uint targetIp, MacAddress to)
    {
        var arp = new byte[ArpPacket.Bytes];
        new ArpPacket(operation, senderMac, senderIp, targetMac, targetIp).Write(arp);
        return Frame(to, senderMac, EthernetFrame.TypeArp, arp, padTo: 60);
    }

    public static byte[] Ipv4(uint source, uint destination, byte protocol, ReadOnlySpan<byte> payload, MacAddress? from = null, int padTo = 0)
    {
        var packet = new byte[20 + payload.Length];
        Ipv4Packet.WriteHeader(packet, source, destination, protocol, payload.Length, 0x1234, 64, true);
        payload.CopyTo(packet.AsSpan(20));
        return Frame(Mac, from ?? PeerMac, EthernetFrame.TypeIpv4, packet, padTo);
    }

    public static byte[] Udp(uint source, uint destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, int padTo = 0)
    {
        var datagram = new byte[8 + payload.Length];
        UdpDatagram.Write(datagram, source, destination, sourcePort, destinationPort, payload);
        return Ipv4(source, destination, Ipv4Packet.ProtocolUdp, datagram, padTo: padTo);
    }

    public static byte[] Echo(uint source, uint destination, uint identifierAndSequence, ReadOnlySpan<byte> data)
    {
        var message = new byte[8 + data.Length];
        IcmpPacket.Write(message, IcmpPacket.TypeEchoRequest, 0, identifierAndSequence, data);
        return Ipv4(source, destination, Ipv4Packet.ProtocolIcmp, message);
    }
}
