using System;
using System.Buffers.Binary;
using System.Linq;
using System.Runtime.InteropServices;
using CsCheck;
using Unikernel.Core.Net;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Net;

// The interface as a peer on the wire sees it: frames in, frames out, checked byte for byte where the
// layout matters, and counters that account for every frame received.
public sealed unsafe class NetworkInterfaceTests
{
    private const ulong Second = 1_000_000_000;
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void An_arp_request_for_our_address_is_answered()
    {
        using var net = new TestNetwork();
        net.Receive(TestNetwork.Arp(ArpPacket.Request, TestNetwork.PeerMac, TestNetwork.PeerIp, MacAddress.Zero, TestNetwork.Address, MacAddress.Broadcast));
        Assert.Equal(Hex("00163e000099 00163e000001 0806 0001 0800 06 04 0002 00163e000001 0a000002 00163e000099 0a000005"), net.TakeOnly());
        Assert.True(net.Nic->TryGetNeighbour(TestNetwork.PeerIp, 0, out MacAddress learned));
        Assert.Equal(TestNetwork.PeerMac.Value, learned.Value);
        Assert.Equal(1ul, net.Nic->Counters.Delivered);
    }

    [Fact]
    public void An_arp_request_for_another_address_is_ignored_and_teaches_nothing()
    {
        using var net = new TestNetwork();
        net.Receive(TestNetwork.Arp(ArpPacket.Request, TestNetwork.PeerMac, TestNetwork.PeerIp, MacAddress.Zero, 0x0A000009, MacAddress.Broadcast));
        Assert.Empty(net.Sent);
        Assert.False(net.Nic->TryGetNeighbour(TestNetwork.PeerIp, 0, out _));
        Assert.Equal(1ul, net.Nic->Counters.ArpIgnored);
    }

    [Fact]
    public void An_arp_request_from_a_group_address_is_not_answered()
    {
        using var net = new TestNetwork();
        net.Receive(TestNetwork.Arp(ArpPacket.Request, MacAddress.Broadcast, TestNetwork.PeerIp, MacAddress.Zero, TestNetwork.Address, MacAddress.Broadcast));
        Assert.Empty(net.Sent);
        Assert.Equal(1ul, net.Nic->Counters.ArpIgnored);
    }

    [Fact]
    public void Link_up_sends_a_gratuitous_arp()
    {
        using var net = new TestNetwork();
        net.Nic->LinkUp(0);
        Assert.Equal(Hex("ffffffffffff 00163e000001 0806 0001 0800 06 04 0001 00163e000001 0a000002 000000000000 0a000002"), net.TakeOnly());
    }

    [Fact]
    public void An_echo_request_is_answered()
    {
        using var net = new TestNetwork();
        byte[] data = Enumerable.Range(0, 56).Select(i => (byte)i).ToArray();
        net.Receive(TestNetwork.Echo(TestNetwork.PeerIp, TestNetwork.Address, 0x1C460001, data));
        byte[] reply = net.TakeOnly();
        Assert.Equal(14 + 20 + 8 + 56, reply.Length);
        Assert.Equal(Hex("00163e000099 00163e000001 0800"), reply[..14]);
        Assert.Equal(Hex("4500 0054"), reply[14..18]);
        Assert.Equal(Hex("4000 40 01"), reply[20..24]); // DF, TTL 64, ICMP
        Assert.Equal(Hex("0a000002 0a000005"), reply[26..34]);
        Assert.Equal(0, ReferenceChecksum.Of(reply.AsSpan(14, 20)));
        Assert.Equal(Hex("0000"), reply[34..36]); // echo reply, code 0
        Assert.Equal(Hex("1c460001"), reply[38..42]);
        Assert.Equal(0, ReferenceChecksum.Of(reply.AsSpan(34)));
        Assert.Equal(data, reply[42..]);
    }

    [Fact]
    public void The_largest_echo_request_is_answered()
    {
        using var net = new TestNetwork();
        net.Receive(TestNetwork.Echo(TestNetwork.PeerIp, TestNetwork.Address, 7, new byte[1472]));
        Assert.Equal(1514, net.TakeOnly().Length);
    }

    [Fact]
    public void Echo_to_a_broadcast_is_not_answered()
    {
        using var net = new TestNetwork();
        net.Receive(TestNetwork.Echo(TestNetwork.PeerIp, 0x0A0000FF, 7, new byte[8]));
        Assert.Empty(net.Sent);
        Assert.Equal(1ul, net.Nic->Counters.IcmpIgnored);
    }

    [Fact]
    public void Udp_to_a_bound_port_is_queued_and_read_back()
    {
        using var net = new TestNetwork();
        Assert.True(net.Bind(5353, 4));
        Assert.False(net.Bind(5353, 4));
        for (int i = 0; i < 5; i++) net.Receive(TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, (ushort)(40000 + i), 5353, new byte[] { (byte)i, 2, 3 }));
        Assert.Equal(4ul, net.Nic->Counters.Delivered);
        Assert.Equal(1ul, net.Nic->Counters.UdpQueueFull);
        var buffer = new byte[64];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(3, net.Nic->UdpReceive(5353, buffer, out uint ip, out ushort port));
            Assert.Equal(TestNetwork.PeerIp, ip);
            Assert.Equal(40000 + i, port);
            Assert.Equal(new byte[] { (byte)i, 2, 3 }, buffer[..3]);
        }
        Assert.Equal(-1, net.Nic->UdpReceive(5353, buffer, out _, out _));
        Assert.Empty(net.Sent);
    }

    [Fact]
    public void Udp_to_an_unbound_port_is_answered_with_port_unreachable()
    {
        using var net = new TestNetwork();
        byte[] frame = TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, 40000, 9, new byte[100]);
        net.Receive(frame);
        byte[] reply = net.TakeOnly();
        Assert.Equal(Hex("00163e000099 00163e000001 0800"), reply[..14]);
        Assert.Equal(Hex("0a000002 0a000005"), reply[26..34]);
        Assert.Equal(1, reply[23]); // ICMP
        Assert.Equal(Hex("0303"), reply[34..36]);
        Assert.Equal(0, ReferenceChecksum.Of(reply.AsSpan(34)));
        Assert.Equal(frame[14..(14 + 28)], reply[42..]); // the offending IP header and 8 bytes of UDP
        Assert.Equal(1ul, net.Nic->Counters.NoUdpSocket);
    }

    [Fact]
    public void Port_unreachable_is_rate_limited()
    {
        using var net = new TestNetwork();
        byte[] frame = TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, 40000, 9, new byte[4]);
        for (int i = 0; i < 15; i++) net.Receive(frame, now: 5 * Second);
        Assert.Equal(10, net.Sent.Count);
        Assert.Equal(5ul, net.Nic->Counters.IcmpErrorsSuppressed);
        net.Receive(frame, now: 5 * Second + Second / 10);
        Assert.Equal(11, net.Sent.Count);
    }

    [Fact]
    public void Fragments_are_dropped_and_counted()
    {
        using var net = new TestNetwork();
        net.Bind(9, 1);
        byte[] frame = TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, 40000, 9, new byte[16]);
        foreach (ushort flags in new ushort[] { 0x2000, 0x0001, 0x4010 })
        {
            byte[] fragment = (byte[])frame.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(20), flags);
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(24), 0);
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(24), ReferenceChecksum.Of(fragment.AsSpan(14, 20)));
            net.Receive(fragment);
        }
        Assert.Equal(3ul, net.Nic->Counters.Fragments);
        Assert.Equal(0ul, net.Nic->Counters.Delivered);
        Assert.Empty(net.Sent);
    }

    // A short datagram padded to Ethernet's 60 bytes: the padding is not data.
    [Fact]
    public void Ethernet_padding_is_trimmed()
    {
        using var net = new TestNetwork();
        net.Bind(7, 1);
        byte[] frame = TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, 1000, 7, new byte[] { 42 }, padTo: 60);
        frame.AsSpan(43).Fill(0xEE);
        net.Receive(frame);
        var buffer = new byte[16];
        Assert.Equal(1, net.Nic->UdpReceive(7, buffer, out _, out _));
        Assert.Equal(42, buffer[0]);
    }

    [Fact]
    public void Tcp_goes_to_the_hook()
    {
        using var net = new TestNetwork();
        byte[] segment = Enumerable.Range(0, 20).Select(i => (byte)i).ToArray();
        net.Receive(TestNetwork.Ipv4(TestNetwork.PeerIp, TestNetwork.Address, Ipv4Packet.ProtocolTcp, segment, padTo: 60), validated: true, now: 77);
        var delivered = Assert.Single(net.Segments);
        Assert.Equal((TestNetwork.PeerIp, TestNetwork.Address, true, 77ul), (delivered.Source, delivered.Destination, delivered.Validated, delivered.Now));
        Assert.Equal(segment, delivered.Segment);
    }

    // netfront's large receive: a frame above the MTU is taken only when the platform asked for it and it
    // carries TCP (GSO makes nothing else); UDP or ICMP that long stays oversized.
    [Fact]
    public void A_frame_above_the_mtu_is_taken_only_as_tcp_with_large_receive_on()
    {
        using var net = new TestNetwork();
        byte[] tcp = TestNetwork.Ipv4(TestNetwork.PeerIp, TestNetwork.Address, 6, new byte[20000]);
        net.Receive(tcp);
        Assert.Equal(1ul, net.Nic->Counters.Oversized);
        net.Nic->AcceptLargeTcp();
        Assert.Empty(net.Segments);
        net.Receive(tcp);
        Assert.Equal(1ul, net.Nic->Counters.Oversized);
        Assert.Equal(20000, Assert.Single(net.Segments).Segment.Length); // the whole segment reached TCP
        net.Receive(TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, 1, 2, new byte[20000]));
        net.Receive(new byte[NetworkInterface.MaxLargeFrameBytes + 1]);
        Assert.Equal(3ul, net.Nic->Counters.Oversized);
    }

    [Fact]
    public void SendIpv4_waits_for_arp_then_sends()
    {
        using var net = new TestNetwork();
        byte[] payload = { 1, 2, 3, 4 };
        Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 253, payload, 0));
        Assert.Equal(Hex("ffffffffffff 00163e000001 0806 0001 0800 06 04 0001 00163e000001 0a000002 000000000000 0a000005"), net.TakeOnly());
        Assert.Equal(1ul, net.Nic->Counters.ArpUnresolved);
        Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 253, payload, Second / 2));
        Assert.Empty(net.Sent); // at most one request a second

        net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.PeerMac, TestNetwork.PeerIp, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac), now: Second / 2);
        net.Sent.Clear(); // the held packet (A_packet_held_for_arp_leaves_with_the_answer)
        Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 253, payload, Second));
        byte[] frame = net.TakeOnly();
        Assert.Equal(Hex("00163e000099 00163e000001 0800 4500 0018"), frame[..18]);
        Assert.Equal(Hex("4000 40 fd"), frame[20..24]);
        Assert.Equal(Hex("0a000002 0a000005 01020304"), frame[26..]);
        Assert.Equal(0, ReferenceChecksum.Of(frame.AsSpan(14, 20)));
    }

    // Before DHCP gave it an address the interface sends from 0.0.0.0 to the broadcast address and takes
    // only broadcast UDP (the server's answer); SetAddress then makes it an ordinary host.
    [Fact]
    public void Without_an_address_only_broadcast_udp_comes_in_until_one_is_set()
    {
        using var net = new TestNetwork();
        net.Nic->SetAddress(0, 0, 0);
        Assert.True(net.Bind(68, 2));
        Assert.Equal(SendStatus.Sent, net.Nic->UdpSend(68, 0xFFFFFFFF, 67, new byte[] { 1 }, 0));
        Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(net.TakeOnly().AsSpan(14), out Ipv4Packet sent));
        Assert.Equal((0u, 0xFFFFFFFFu), (sent.Source, sent.Destination));
        net.Receive(TestNetwork.Udp(TestNetwork.Gateway, 0xFFFFFFFF, 67, 68, new byte[] { 2 }));
        net.Receive(TestNetwork.Udp(TestNetwork.Gateway, TestNetwork.Address, 67, 68, new byte[] { 3 })); // not ours yet
        net.Receive(TestNetwork.Echo(TestNetwork.Gateway, 0xFFFFFFFF, 1, new byte[] { 4 }));
        Assert.Equal(1, net.Nic->UdpQueued(68));
        Assert.Equal(2ul, net.Nic->Counters.NotOurAddress);

        net.Nic->SetAddress(TestNetwork.Address, 24, TestNetwork.Gateway);
        net.Receive(TestNetwork.Udp(TestNetwork.Gateway, TestNetwork.Address, 67, 68, new byte[] { 5 }));
        Assert.Equal(2, net.Nic->UdpQueued(68));
    }

    // TSO: a TCP segment larger than the MTU is built in the large buffer and handed down whole with its
    // segment size; without the buffer, or for anything but TCP, it is refused as too large; never held for ARP.
    [Fact]
    public void A_large_tcp_segment_goes_down_whole_with_its_segment_size()
    {
        using var net = new TestNetwork();
        var payload = new byte[20000];
        new Random(3).NextBytes(payload);
        Assert.False(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, payload, 1460, 0)); // no large buffer yet
        Assert.Equal(1ul, net.Nic->Counters.TooLarge);
        byte* buffer = (byte*)NativeMemory.Alloc(NetworkInterface.MaxLargeFrameBytes);
        try
        {
            net.Nic->EnableLargeSend(buffer, 0xFFFF);
            Assert.Equal(0xFFFF - 34, net.Nic->MaxLargeSendPayload);
            Assert.False(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, payload, 1460, 0)); // the next hop is unresolved
            net.TakeOnly(); // its ARP request
            net.SegmentSizes.Clear();
            net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.PeerMac, TestNetwork.PeerIp, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac));
            Assert.Empty(net.Sent); // nothing was held

            Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, payload, 1460, 1));
            byte[] frame = net.TakeOnly();
            Assert.Equal(1460, Assert.Single(net.SegmentSizes));
            Assert.Equal(14 + 20 + payload.Length, frame.Length);
            Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(frame.AsSpan(14), out Ipv4Packet ip));
            Assert.Equal(payload, ip.Payload.ToArray());
            Assert.False(net.Nic->SendIpv4(TestNetwork.PeerIp, 17, payload, 1460, 1)); // only TCP is cut
            Assert.False(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, new byte[0xFFFF - 33], 1460, 1));
            Assert.Equal(3ul, net.Nic->Counters.TooLarge);
        }
        finally { NativeMemory.Free(buffer); }
    }

    // RFC 1122 2.3.2.2: the latest packet for a neighbour being resolved goes out when its answer comes (a
    // request from it too), so TCP's first SYN to it does not wait for its retransmission timeout.
    [Theory]
    [InlineData(ArpPacket.Reply)]
    [InlineData(ArpPacket.Request)]
    public void A_packet_held_for_arp_leaves_with_the_answer(ushort operation)
    {
        using var net = new TestNetwork();
        Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, new byte[] { 1, 1 }, 0));
        Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, new byte[] { 2, 2, 2 }, 1)); // replaces the first
        net.TakeOnly(); // the ARP request
        net.Receive(TestNetwork.Arp(operation, TestNetwork.PeerMac, TestNetwork.PeerIp,
            operation == ArpPacket.Reply ? TestNetwork.Mac : MacAddress.Zero, TestNetwork.Address, TestNetwork.Mac), now: 2);
        byte[] frame = net.Sent[^1];
        Assert.Equal(operation == ArpPacket.Reply ? 1 : 2, net.Sent.Count); // after our own reply to a request
        Assert.Equal(TestNetwork.PeerMac.Value, MacAddress.Read(frame, 0).Value);
        Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(frame.AsSpan(14), out Ipv4Packet ip));
        Assert.Equal((TestNetwork.Address, TestNetwork.PeerIp, (byte)6), (ip.Source, ip.Destination, ip.Protocol));
        Assert.Equal(new byte[] { 2, 2, 2 }, ip.Payload.ToArray());
        net.Sent.Clear();
        net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.PeerMac, TestNetwork.PeerIp, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac), now: 3);
        Assert.Empty(net.Sent); // sent once
    }

    // Held only while ARP may still be asking: an answer to a later lookup (here UDP's) does not send it.
    [Fact]
    public void A_held_packet_goes_stale()
    {
        using var net = new TestNetwork();
        Assert.True(net.Nic->SendIpv4(TestNetwork.PeerIp, 6, new byte[] { 1 }, 0));
        Assert.Equal(SendStatus.ArpPending, net.Nic->UdpSend(5000, TestNetwork.PeerIp, 53, new byte[] { 9 }, 10 * Second));
        net.Sent.Clear();
        net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.PeerMac, TestNetwork.PeerIp, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac), now: 10 * Second);
        Assert.Empty(net.Sent);
        Assert.True(net.Nic->TryGetNeighbour(TestNetwork.PeerIp, 10 * Second, out _));
    }

    // An answer from another neighbour leaves the held packet waiting for its own.
    [Fact]
    public void A_held_packet_waits_for_its_own_hop()
    {
        using var net = new TestNetwork();
        Assert.True(net.Nic->SendIpv4(0x08080808, 6, new byte[] { 1 }, 0)); // through the gateway
        net.TakeOnly(); // the request for the gateway's MAC
        net.Receive(TestNetwork.Arp(ArpPacket.Request, TestNetwork.PeerMac, TestNetwork.PeerIp, MacAddress.Zero, TestNetwork.Address, MacAddress.Broadcast));
        Assert.Equal(EthernetFrame.TypeArp, BinaryPrimitives.ReadUInt16BigEndian(net.TakeOnly().AsSpan(12))); // our answer only
        net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.GatewayMac, TestNetwork.Gateway, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac));
        byte[] frame = net.TakeOnly();
        Assert.Equal(TestNetwork.GatewayMac.Value, MacAddress.Read(frame, 0).Value);
        Assert.Equal(0x08080808u, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(30)));
    }

    [Fact]
    public void Off_subnet_goes_through_the_gateway()
    {
        using var net = new TestNetwork();
        Assert.True(net.Nic->SendIpv4(0x08080808, 17, new byte[8], 0));
        Assert.Equal(TestNetwork.Gateway, BinaryPrimitives.ReadUInt32BigEndian(net.TakeOnly().AsSpan(38)));
        net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.GatewayMac, TestNetwork.Gateway, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac));
        net.Sent.Clear(); // the held packet
        Assert.True(net.Nic->SendIpv4(0x08080808, 17, new byte[8], 1));
        byte[] frame = net.TakeOnly();
        Assert.Equal(TestNetwork.GatewayMac.Value, MacAddress.Read(frame, 0).Value);
        Assert.Equal(0x08080808u, BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(30)));
    }

    [Fact]
    public void No_gateway_means_no_route_and_too_large_is_refused()
    {
        using var net = new TestNetwork(gateway: 0);
        Assert.False(net.Nic->SendIpv4(0x08080808, 17, new byte[8], 0));
        Assert.Equal(1ul, net.Nic->Counters.NoRoute);
        Assert.False(net.Nic->SendIpv4(TestNetwork.PeerIp, 17, new byte[1481], 0));
        Assert.Equal(1ul, net.Nic->Counters.TooLarge);
        Assert.Empty(net.Sent);
    }

    [Fact]
    public void UdpSend_reports_arp_pending_then_sends()
    {
        using var net = new TestNetwork();
        Assert.Equal(SendStatus.ArpPending, net.Nic->UdpSend(5000, TestNetwork.PeerIp, 53, new byte[] { 9 }, 0));
        net.Sent.Clear();
        net.Receive(TestNetwork.Arp(ArpPacket.Reply, TestNetwork.PeerMac, TestNetwork.PeerIp, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac));
        Assert.Equal(SendStatus.Sent, net.Nic->UdpSend(5000, TestNetwork.PeerIp, 53, new byte[] { 9 }, 1));
        byte[] frame = net.TakeOnly();
        Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(frame.AsSpan(14), out Ipv4Packet ip));
        Assert.Equal(ParseStatus.Valid, UdpDatagram.TryParse(ip.Payload, ip.Source, ip.Destination, false, out UdpDatagram udp));
        Assert.Equal((5000, 53), ((int)udp.SourcePort, (int)udp.DestinationPort));
        Assert.Equal(new byte[] { 9 }, udp.Payload.ToArray());
        net.Accept = false;
        Assert.Equal(SendStatus.TransmitFailed, net.Nic->UdpSend(5000, TestNetwork.PeerIp, 53, new byte[] { 9 }, 2));
        Assert.Equal(1ul, net.Nic->Counters.TransmitFailed);
    }

    [Fact]
    public void Poll_retries_arp_once_a_second_then_gives_up()
    {
        using var net = new TestNetwork();
        net.Nic->SendIpv4(TestNetwork.PeerIp, 17, new byte[8], 0);
        Assert.Equal(Second, net.Nic->NextDeadline);
        net.Nic->Poll(Second - 1);
        Assert.Single(net.Sent);
        net.Nic->Poll(Second);
        net.Nic->Poll(2 * Second);
        Assert.Equal(ArpCache.MaxRequests, net.Sent.Count);
        net.Nic->Poll(3 * Second);
        Assert.Equal(ArpCache.MaxRequests, net.Sent.Count);
        Assert.Equal(ulong.MaxValue, net.Nic->NextDeadline);
    }

    [Fact]
    public void Counters_read_as_a_status_line()
    {
        using var net = new TestNetwork();
        net.Receive(new byte[10]);
        net.Receive(TestNetwork.Echo(TestNetwork.PeerIp, TestNetwork.Address, 1, new byte[4]));
        Span<char> buffer = stackalloc char[256];
        var text = new TextBuilder(buffer);
        net.Nic->Counters.AppendTo(ref text);
        Assert.Equal("rx 2/56 tx 1/46 used 1 bad-eth=1", text.Text.ToString());
    }

    [Fact]
    public void Each_drop_is_counted_under_its_reason()
    {
        using var net = new TestNetwork();
        byte[] echo = TestNetwork.Echo(TestNetwork.PeerIp, TestNetwork.Address, 1, new byte[4]);
        byte[] Changed(int offset, byte value)
        {
            byte[] frame = (byte[])echo.Clone();
            frame[offset] = value;
            return frame;
        }
        net.Receive(new byte[1515]);
        net.Receive(Changed(12, 0x81).Select((b, i) => i == 13 ? (byte)0 : b).ToArray()); // an 802.1Q tag
        net.Receive(Changed(0, 0x02));  // another destination MAC
        net.Receive(Changed(12, 0x86)); // EtherType 0x8600
        net.Receive(Changed(15, 0x02)); // the TOS changed under the header checksum
        net.Receive(Changed(14, 0x65)); // version 6
        net.Receive(Changed(40, 0xFF)); // the echo's sequence number changed under the ICMP checksum
        net.Receive(TestNetwork.Echo(TestNetwork.PeerIp, 0x0A000009, 1, new byte[4]));
        net.Receive(TestNetwork.Ipv4(TestNetwork.PeerIp, TestNetwork.Address, 99, new byte[4]));
        net.Receive(TestNetwork.Frame(TestNetwork.Mac, TestNetwork.PeerMac, EthernetFrame.TypeArp, new byte[27]));
        net.Receive(TestNetwork.Udp(TestNetwork.PeerIp, TestNetwork.Address, 1, 2, new byte[4]).Select((b, i) => i == 14 + 20 + 5 ? (byte)200 : b).ToArray());
        NetCounters c = net.Nic->Counters;
        Assert.Equal((1ul, 1ul, 1ul, 1ul), (c.Oversized, c.VlanTagged, c.NotForUs, c.UnknownEtherType));
        Assert.Equal((1ul, 1ul, 1ul), (c.BadIpv4Checksum, c.MalformedIpv4, c.BadIcmpChecksum));
        Assert.Equal((1ul, 1ul, 1ul, 1ul), (c.NotOurAddress, c.UnknownProtocol, c.MalformedArp, c.MalformedUdp));
        Assert.Equal(11ul, c.ReceivedFrames);
        Assert.Equal(c.ReceivedFrames, c.ReceiveDrops);
        Assert.Empty(net.Sent);
    }

    private static readonly Gen<byte[]> ValidFrames = Gen.OneOf(
        Gen.Select(Gen.UInt[0x0A000000, 0x0A0000FF], Gen.Byte.Array[0, 64]).Select((ip, data) => TestNetwork.Echo(ip, TestNetwork.Address, 1, data)),
        Gen.Select(Gen.UInt[0x0A000000, 0x0A0000FF], Gen.UShort[1, 12], Gen.Byte.Array[0, 64]).Select((ip, port, data) => TestNetwork.Udp(ip, TestNetwork.Address, 999, port, data)),
        Gen.UInt[0x0A000000, 0x0A0000FF].Select(ip => TestNetwork.Arp(ArpPacket.Request, TestNetwork.PeerMac, ip, MacAddress.Zero, TestNetwork.Address, MacAddress.Broadcast)),
        Gen.UInt[0x0A000000, 0x0A0000FF].Select(ip => TestNetwork.Arp(ArpPacket.Reply, TestNetwork.PeerMac, ip, TestNetwork.Mac, TestNetwork.Address, TestNetwork.Mac)),
        Gen.Byte.Array[0, 40].Select(data => TestNetwork.Ipv4(TestNetwork.PeerIp, TestNetwork.Address, Ipv4Packet.ProtocolTcp, data)));

    // Anything on the wire: every frame is used or dropped under one reason, and whatever goes out parses.
    [Fact]
    public void Any_frame_is_used_or_counted_once()
    {
        using var net = new TestNetwork();
        for (ushort port = 1; port <= 6; port += 2) net.Bind(port, 1);
        ulong now = 0;
        Property.Check(Gen.Select(Gen.Frequency((1, (IGen<byte[]>)Gen.Byte.Array[0, 1600]), (6, Gen.Select(ValidFrames, Mutation.Gen).Select((f, m) => m.Apply(f))), (2, ValidFrames)), Gen.Bool),
            input =>
            {
                var (frame, validated) = input;
                lock (net)
                {
                    net.Receive(frame, validated, now += Second / 8);
                    NetCounters counters = net.Nic->Counters;
                    Assert.Equal(counters.ReceivedFrames, counters.Delivered + counters.ReceiveDrops);
                    foreach (byte[] sent in net.Sent)
                    {
                        Assert.True(sent.Length <= 1514);
                        Assert.Equal(ParseStatus.Valid, EthernetFrame.TryParse(sent, out EthernetFrame ethernet));
                        if (ethernet.EtherType == EthernetFrame.TypeArp) Assert.Equal(ParseStatus.Valid, ArpPacket.TryParse(ethernet.Payload, out _));
                        else
                        {
                            Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip));
                            Assert.Equal(ParseStatus.Valid, IcmpPacket.TryParse(ip.Payload, out _));
                        }
                    }
                    net.Sent.Clear();
                    for (ushort port = 1; port <= 6; port++) while (net.Nic->UdpReceive(port, new byte[8], out _, out _) >= 0) { }
                }
            });
    }
}
