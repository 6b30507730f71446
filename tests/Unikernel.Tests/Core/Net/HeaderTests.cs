using System;
using System.Buffers.Binary;
using System.Linq;
using CsCheck;
using Unikernel.Core.Net;

namespace Unikernel.Tests.Core.Net;

// The header readers and writers of Ethernet, ARP, IPv4, ICMP and UDP: a packet built from generated fields
// reads back as those fields; arbitrary bytes and damaged packets never crash a reader (host spans throw on
// any read outside them) and are accepted only when they are consistent.
public sealed class HeaderTests
{
    private static readonly Gen<byte[]> AnyBytes = Gen.Byte.Array[0, 1600];

    // The sum is taken eight bytes a step in memory order and swapped once: against the byte-wise reference
    // for every length and alignment (odd lengths, a part added to a running sum, unaligned starts).
    [Fact]
    public void Checksum_matches_the_bytewise_reference()
    {
        Property.Check(Gen.Select(Gen.Byte.Array[0, 2100], Gen.Int[0, 7], Gen.UInt[0, 0x3FFFF]), input =>
        {
            var (bytes, skip, start) = input;
            var data = bytes.AsSpan(Math.Min(skip, bytes.Length));
            Assert.Equal(ReferenceChecksum.Of(data, start), InternetChecksum.Finish(InternetChecksum.Add(start, data)));
            int half = data.Length / 4 * 2; // two parts, the first of even length
            Assert.Equal(ReferenceChecksum.Of(data, start),
                InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.Add(start, data[..half]), data[half..])));
        });
        var ones = new byte[65536];
        Array.Fill(ones, (byte)0xFF);
        Assert.Equal(ReferenceChecksum.Of(ones, 0xFFFFFFFF), InternetChecksum.Finish(InternetChecksum.Add(0xFFFFFFFF, ones)));
    }

    [Fact]
    public void Ethernet_round_trips()
    {
        Property.Check(Gen.Select(Gen.ULong, Gen.ULong, Gen.UShort, Gen.Byte.Array[0, 1500]), input =>
        {
            var (to, from, type, payload) = input;
            if (type is 0x8100 or 0x88A8 or 0x9100) type = 0x0800;
            var frame = new byte[14 + payload.Length];
            Assert.Equal(14, EthernetFrame.WriteHeader(frame, new MacAddress(to), new MacAddress(from), type));
            payload.CopyTo(frame, 14);
            Assert.Equal(ParseStatus.Valid, EthernetFrame.TryParse(frame, out EthernetFrame parsed));
            Assert.Equal(to & 0xFFFF_FFFF_FFFF, parsed.Destination.Value);
            Assert.Equal(from & 0xFFFF_FFFF_FFFF, parsed.Source.Value);
            Assert.Equal(type, parsed.EtherType);
            Assert.True(parsed.Payload.SequenceEqual(payload));
        });
    }

    [Fact]
    public void Ethernet_layout_is_the_wire_one()
    {
        var frame = new byte[14];
        EthernetFrame.WriteHeader(frame, MacAddress.Broadcast, new MacAddress(0x00163E010203), EthernetFrame.TypeArp);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x16, 0x3E, 0x01, 0x02, 0x03, 0x08, 0x06 }, frame);
        Assert.Equal(0, EthernetFrame.WriteHeader(new byte[13], MacAddress.Broadcast, MacAddress.Zero, 0x0800));
    }

    [Fact]
    public void Ethernet_never_trusts_bytes()
    {
        Property.Check(AnyBytes, bytes =>
        {
            ParseStatus status = EthernetFrame.TryParse(bytes, out EthernetFrame parsed);
            if (bytes.Length < 14) Assert.Equal(ParseStatus.Malformed, status);
            else if (bytes[12] == 0x81 && bytes[13] == 0x00) Assert.Equal(ParseStatus.VlanTagged, status);
            else if (status == ParseStatus.Valid) Assert.Equal(bytes.Length - 14, parsed.Payload.Length);
        });
    }

    [Fact]
    public void Arp_round_trips()
    {
        Property.Check(Gen.Select(Gen.Bool, Gen.ULong, Gen.UInt, Gen.ULong, Gen.UInt, Gen.Byte.Array[0, 18]), input =>
        {
            var (reply, senderMac, senderIp, targetMac, targetIp, padding) = input;
            var arp = new ArpPacket(reply ? ArpPacket.Reply : ArpPacket.Request, new MacAddress(senderMac), senderIp, new MacAddress(targetMac), targetIp);
            var bytes = new byte[28 + padding.Length];
            padding.CopyTo(bytes, 28);
            Assert.Equal(28, arp.Write(bytes));
            Assert.Equal(ParseStatus.Valid, ArpPacket.TryParse(bytes, out ArpPacket parsed));
            Assert.Equal(arp.Operation, parsed.Operation);
            Assert.Equal(arp.SenderMac.Value, parsed.SenderMac.Value);
            Assert.Equal(senderIp, parsed.SenderIp);
            Assert.Equal(arp.TargetMac.Value, parsed.TargetMac.Value);
            Assert.Equal(targetIp, parsed.TargetIp);
        });
    }

    // A who-has for 169.254.0.1 from 00:16:3e:01:02:03 at 169.254.0.2, as Linux sends it.
    [Fact]
    public void Arp_layout_is_the_wire_one()
    {
        var bytes = new byte[28];
        new ArpPacket(ArpPacket.Request, new MacAddress(0x00163E010203), 0xA9FE0002, MacAddress.Zero, 0xA9FE0001).Write(bytes);
        Assert.Equal(Convert.FromHexString("0001080006040001" + "00163e010203" + "a9fe0002" + "000000000000" + "a9fe0001"), bytes);
    }

    [Fact]
    public void Arp_never_trusts_bytes()
    {
        var valid = new byte[28];
        new ArpPacket(ArpPacket.Reply, new MacAddress(1), 2, new MacAddress(3), 4).Write(valid);
        Property.Check(Gen.Frequency((1, (IGen<byte[]>)AnyBytes), (3, Mutation.Gen.Select(m => m.Apply(valid)))), bytes =>
        {
            if (ArpPacket.TryParse(bytes, out ArpPacket parsed) != ParseStatus.Valid) return;
            Assert.True(bytes.Length >= 28);
            Assert.True(bytes.AsSpan(0, 6).SequenceEqual(new byte[] { 0, 1, 8, 0, 6, 4 }));
            Assert.True(parsed.Operation is 1 or 2);
        });
    }

    // Wikipedia's example of the IPv4 header checksum, from a real capture: 192.168.0.1 -> 192.168.0.199, UDP.
    [Fact]
    public void Ipv4_header_matches_a_capture()
    {
        var header = new byte[20];
        Assert.Equal(20, Ipv4Packet.WriteHeader(header, 0xC0A80001, 0xC0A800C7, Ipv4Packet.ProtocolUdp, 0x73 - 20, 0, 64, true));
        Assert.Equal(Convert.FromHexString("450000730000400040 11b861c0a80001c0a800c7".Replace(" ", "")), header);
    }

    private static readonly Gen<(uint, uint, byte, ushort, byte, bool, byte[], byte[])> Ipv4Fields =
        Gen.Select(Gen.UInt, Gen.UInt, Gen.Byte, Gen.UShort, Gen.Byte, Gen.Bool, Gen.Byte.Array[0, 1480], Gen.Byte.Array[0, 46]);

    private static byte[] Ipv4(uint source, uint destination, byte protocol, ushort id, byte ttl, bool df, byte[] payload, byte[] padding)
    {
        var bytes = new byte[20 + payload.Length + padding.Length];
        Assert.Equal(20, Ipv4Packet.WriteHeader(bytes, source, destination, protocol, payload.Length, id, ttl, df));
        payload.CopyTo(bytes, 20);
        padding.CopyTo(bytes, 20 + payload.Length);
        return bytes;
    }

    [Fact]
    public void Ipv4_round_trips_and_trims_padding()
    {
        Property.Check(Ipv4Fields, input =>
        {
            var (source, destination, protocol, id, ttl, df, payload, padding) = input;
            var bytes = Ipv4(source, destination, protocol, id, ttl, df, payload, padding);
            Assert.Equal(0, ReferenceChecksum.Of(bytes.AsSpan(0, 20)));
            Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(bytes, out Ipv4Packet ip));
            Assert.Equal(source, ip.Source);
            Assert.Equal(destination, ip.Destination);
            Assert.Equal(protocol, ip.Protocol);
            Assert.Equal(id, ip.Identification);
            Assert.Equal(ttl, ip.Ttl);
            Assert.Equal(df, ip.DontFragment);
            Assert.Equal(20 + payload.Length, ip.TotalLength);
            Assert.True(ip.Payload.SequenceEqual(payload));
        });
    }

    // Options (IHL > 5) are skipped: the payload starts after them.
    [Fact]
    public void Ipv4_skips_options()
    {
        Property.Check(Gen.Select(Gen.Int[6, 15], Gen.Byte.Array[0, 200]), input =>
        {
            var (ihl, payload) = input;
            var bytes = new byte[ihl * 4 + payload.Length];
            bytes[0] = (byte)(0x40 | ihl);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)bytes.Length);
            bytes[8] = 64;
            for (int i = 20; i < ihl * 4; i++) bytes[i] = 1; // NOP options
            payload.CopyTo(bytes, ihl * 4);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(10), ReferenceChecksum.Of(bytes.AsSpan(0, ihl * 4)));
            Assert.Equal(ParseStatus.Valid, Ipv4Packet.TryParse(bytes, out Ipv4Packet ip));
            Assert.Equal(ihl * 4, ip.Header.Length);
            Assert.True(ip.Payload.SequenceEqual(payload));
        });
    }

    [Fact]
    public void Ipv4_fragments_are_reported()
    {
        Property.Check(Gen.Select(Gen.Bool, Gen.Int[0, 0x1FFF], Gen.Byte.Array[0, 64]), input =>
        {
            var (more, offset, payload) = input;
            if (!more && offset == 0) offset = 1;
            var bytes = Ipv4(1, 2, 17, 7, 64, false, payload, []);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), (ushort)((more ? 0x2000 : 0) | offset));
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(10), ReferenceChecksum.Of(bytes.AsSpan(0, 20)));
            Assert.Equal(ParseStatus.Fragment, Ipv4Packet.TryParse(bytes, out _));
        });
    }

    [Fact]
    public void Ipv4_never_trusts_bytes()
    {
        var valid = Ipv4(0x0A000001, 0x0A000002, 17, 1, 64, true, new byte[40], new byte[6]);
        Property.Check(Gen.Frequency((1, (IGen<byte[]>)AnyBytes), (4, Mutation.Gen.Select(m => m.Apply(valid)))), bytes =>
        {
            ParseStatus status = Ipv4Packet.TryParse(bytes, out Ipv4Packet ip);
            if (status != ParseStatus.Valid) return;
            int ihl = (bytes[0] & 0xF) * 4, total = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2));
            Assert.Equal(4, bytes[0] >> 4);
            Assert.True(ihl >= 20 && ihl <= total && total <= bytes.Length);
            Assert.Equal(0, ReferenceChecksum.Of(bytes.AsSpan(0, ihl)));
            Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)) & 0x3FFF);
            Assert.Equal(ihl, ip.Header.Length);
            Assert.Equal(total - ihl, ip.Payload.Length);
        });
    }

    [Fact]
    public void Icmp_round_trips()
    {
        Property.Check(Gen.Select(Gen.Byte, Gen.Byte, Gen.UInt, Gen.Byte.Array[0, 1472]), input =>
        {
            var (type, code, rest, data) = input;
            var bytes = new byte[8 + data.Length];
            Assert.Equal(bytes.Length, IcmpPacket.Write(bytes, type, code, rest, data));
            Assert.Equal(0, ReferenceChecksum.Of(bytes));
            Assert.Equal(ParseStatus.Valid, IcmpPacket.TryParse(bytes, out IcmpPacket icmp));
            Assert.Equal(type, icmp.Type);
            Assert.Equal(code, icmp.Code);
            Assert.Equal(rest, icmp.Rest);
            Assert.True(icmp.Data.SequenceEqual(data));
        });
    }

    // An echo request laid out as Linux's ping sends it (id 0x1c46, seq 1; 56 bytes of data: a 16-byte
    // timestamp, then 0x10..0x37); its checksum, 0xf283, worked out separately from the words.
    [Fact]
    public void Icmp_echo_matches_the_ping_layout()
    {
        byte[] data = Convert.FromHexString("4d3a2f6500000000a3c20a0000000000").Concat(Enumerable.Range(0x10, 40).Select(b => (byte)b)).ToArray();
        var bytes = new byte[64];
        Assert.Equal(64, IcmpPacket.Write(bytes, IcmpPacket.TypeEchoRequest, 0, 0x1C460001, data));
        Assert.Equal(Convert.FromHexString("0800f2831c460001"), bytes.AsSpan(0, 8).ToArray());
        Assert.Equal(data, bytes.AsSpan(8).ToArray());
    }

    [Fact]
    public void Icmp_never_trusts_bytes()
    {
        var valid = new byte[64];
        IcmpPacket.Write(valid, IcmpPacket.TypeEchoRequest, 0, 0x12340001, new byte[56]);
        Property.Check(Gen.Frequency((1, (IGen<byte[]>)AnyBytes), (4, Mutation.Gen.Select(m => m.Apply(valid)))), bytes =>
        {
            if (IcmpPacket.TryParse(bytes, out IcmpPacket icmp) != ParseStatus.Valid) return;
            Assert.True(bytes.Length >= 8);
            Assert.Equal(0, ReferenceChecksum.Of(bytes));
            Assert.Equal(bytes.Length - 8, icmp.Data.Length);
        });
    }

    [Fact]
    public void Udp_round_trips()
    {
        Property.Check(Gen.Select(Gen.UInt, Gen.UInt, Gen.UShort, Gen.UShort, Gen.Byte.Array[0, 1472], Gen.Byte.Array[0, 20]), input =>
        {
            var (source, destination, sourcePort, destinationPort, payload, padding) = input;
            var bytes = new byte[8 + payload.Length + padding.Length];
            padding.CopyTo(bytes, 8 + payload.Length);
            Assert.Equal(8 + payload.Length, UdpDatagram.Write(bytes, source, destination, sourcePort, destinationPort, payload));
            var zeroed = bytes.AsSpan(0, 8 + payload.Length).ToArray();
            zeroed[6] = zeroed[7] = 0;
            ushort expected = ReferenceChecksum.Of(zeroed, ReferenceChecksum.Pseudo(source, destination, 17, zeroed.Length));
            Assert.Equal(expected == 0 ? 0xFFFF : expected, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)));
            Assert.Equal(ParseStatus.Valid, UdpDatagram.TryParse(bytes, source, destination, false, out UdpDatagram udp));
            Assert.Equal(sourcePort, udp.SourcePort);
            Assert.Equal(destinationPort, udp.DestinationPort);
            Assert.True(udp.Payload.SequenceEqual(payload));
        });
    }

    [Fact]
    public void Udp_checksum_zero_means_none_and_validated_skips_it()
    {
        var bytes = new byte[12];
        UdpDatagram.Write(bytes, 1, 2, 3, 4, new byte[] { 1, 2, 3, 4 });
        bytes[11] ^= 0xFF;
        Assert.Equal(ParseStatus.BadChecksum, UdpDatagram.TryParse(bytes, 1, 2, false, out _));
        Assert.Equal(ParseStatus.Valid, UdpDatagram.TryParse(bytes, 1, 2, true, out _));
        bytes[6] = bytes[7] = 0;
        Assert.Equal(ParseStatus.Valid, UdpDatagram.TryParse(bytes, 1, 2, false, out _));
    }

    [Fact]
    public void Udp_never_trusts_bytes()
    {
        var valid = new byte[40];
        UdpDatagram.Write(valid, 0x0A000001, 0x0A000002, 1234, 53, new byte[32]);
        Property.Check(Gen.Frequency((1, (IGen<byte[]>)AnyBytes), (4, Mutation.Gen.Select(m => m.Apply(valid)))), bytes =>
        {
            if (UdpDatagram.TryParse(bytes, 0x0A000001, 0x0A000002, false, out UdpDatagram udp) != ParseStatus.Valid) return;
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(4));
            Assert.True(length >= 8 && length <= bytes.Length);
            Assert.Equal(length - 8, udp.Payload.Length);
            bool hasChecksum = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)) != 0;
            if (hasChecksum) Assert.Equal(0, ReferenceChecksum.Of(bytes.AsSpan(0, length), ReferenceChecksum.Pseudo(0x0A000001, 0x0A000002, 17, length)));
        });
    }
}
