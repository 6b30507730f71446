using System;

namespace Unikernel.Core.Net
{
    // A UDP datagram (RFC 768): source port, destination port, length (header and data), checksum over the
    // IPv4 pseudo-header and the datagram; a checksum of 0 means the sender computed none, so a computed 0
    // is sent as 0xFFFF. The datagram is what its length field says (at least 8, at most what IPv4 carried).
    public readonly ref struct UdpDatagram
    {
        public const int HeaderBytes = 8;

        public readonly ushort SourcePort;
        public readonly ushort DestinationPort;
        public readonly ReadOnlySpan<byte> Payload;

        private UdpDatagram(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
        {
            SourcePort = sourcePort;
            DestinationPort = destinationPort;
            Payload = payload;
        }

        // data is the IPv4 payload; source and destination are the IPv4 addresses (for the pseudo-header).
        // checksumValidated: the platform says the checksum was checked already (or never filled in, when a
        // local sender left it to offload), so it is not verified again.
        public static ParseStatus TryParse(ReadOnlySpan<byte> data, uint source, uint destination, bool checksumValidated, out UdpDatagram parsed)
        {
            parsed = default;
            if (data.Length < HeaderBytes) return ParseStatus.Malformed;
            int length = NetworkByteOrder.Read16(data, 4);
            if (length < HeaderBytes || length > data.Length) return ParseStatus.Malformed;
            ReadOnlySpan<byte> datagram = data.Slice(0, length);
            if (!checksumValidated && NetworkByteOrder.Read16(data, 6) != 0
                && !InternetChecksum.Verify(InternetChecksum.PseudoHeader(source, destination, Ipv4Packet.ProtocolUdp, length), datagram))
                return ParseStatus.BadChecksum;
            parsed = new UdpDatagram(NetworkByteOrder.Read16(data, 0), NetworkByteOrder.Read16(data, 2), datagram.Slice(HeaderBytes));
            return ParseStatus.Valid;
        }

        // Writes header and payload with the checksum; returns the datagram's length, or 0 when it does not
        // fit the destination or the 16-bit length field.
        public static int Write(Span<byte> destination, uint source, uint to, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
        {
            int length = HeaderBytes + payload.Length;
            if (length > 0xFFFF || destination.Length < length) return 0;
            Span<byte> datagram = destination.Slice(0, length);
            payload.CopyTo(datagram.Slice(HeaderBytes));
            NetworkByteOrder.Write16(datagram, 0, sourcePort);
            NetworkByteOrder.Write16(datagram, 2, destinationPort);
            NetworkByteOrder.Write16(datagram, 4, (ushort)length);
            NetworkByteOrder.Write16(datagram, 6, 0);
            ushort checksum = InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.PseudoHeader(source, to, Ipv4Packet.ProtocolUdp, length), datagram));
            NetworkByteOrder.Write16(datagram, 6, checksum == 0 ? (ushort)0xFFFF : checksum);
            return length;
        }
    }
}
