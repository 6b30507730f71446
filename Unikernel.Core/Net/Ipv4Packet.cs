using System;

namespace Unikernel.Core.Net
{
    // An IPv4 packet (RFC 791): version 4 and IHL (32-bit words of header, at least 5) in byte 0, TOS, total
    // length, identification, flags (reserved, DF, MF) and fragment offset, TTL, protocol, header checksum,
    // source, destination, options (skipped, never interpreted), payload. The packet is what total length
    // says: bytes after it (Ethernet pads frames to 60 bytes) are trimmed off. Fragments are not reassembled.
    public readonly ref struct Ipv4Packet
    {
        public const int MinHeaderBytes = 20;
        public const byte ProtocolIcmp = 1, ProtocolTcp = 6, ProtocolUdp = 17;
        private const ushort DontFragmentBit = 0x4000, MoreFragmentsBit = 0x2000, OffsetMask = 0x1FFF;

        public readonly uint Source;
        public readonly uint Destination;
        public readonly byte Protocol;
        public readonly byte Ttl;
        public readonly ushort Identification;
        public readonly bool DontFragment;
        public readonly ReadOnlySpan<byte> Header;  // with options
        public readonly ReadOnlySpan<byte> Payload; // up to total length

        private Ipv4Packet(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
        {
            Header = header;
            Payload = payload;
            Identification = NetworkByteOrder.Read16(header, 4);
            DontFragment = (NetworkByteOrder.Read16(header, 6) & DontFragmentBit) != 0;
            Ttl = header[8];
            Protocol = header[9];
            Source = NetworkByteOrder.Read32(header, 12);
            Destination = NetworkByteOrder.Read32(header, 16);
        }

        public int TotalLength => Header.Length + Payload.Length;

        public static ParseStatus TryParse(ReadOnlySpan<byte> data, out Ipv4Packet parsed)
        {
            parsed = default;
            if (data.Length < MinHeaderBytes || data[0] >> 4 != 4) return ParseStatus.Malformed;
            int headerBytes = (data[0] & 0xF) * 4;
            int totalLength = NetworkByteOrder.Read16(data, 2);
            if (headerBytes < MinHeaderBytes || headerBytes > totalLength || totalLength > data.Length) return ParseStatus.Malformed;
            ReadOnlySpan<byte> header = data.Slice(0, headerBytes);
            if (!InternetChecksum.Verify(0, header)) return ParseStatus.BadChecksum;
            ushort fragment = NetworkByteOrder.Read16(data, 6);
            if ((fragment & (MoreFragmentsBit | OffsetMask)) != 0) return ParseStatus.Fragment;
            parsed = new Ipv4Packet(header, data.Slice(headerBytes, totalLength - headerBytes));
            return ParseStatus.Valid;
        }

        // Writes a 20-byte header (no options) with its checksum for a payload of payloadBytes; returns
        // MinHeaderBytes, or 0 when the destination is too short or the total would not fit 16 bits.
        public static int WriteHeader(Span<byte> destination, uint source, uint to, byte protocol, int payloadBytes,
            ushort identification, byte ttl, bool dontFragment)
        {
            if (destination.Length < MinHeaderBytes || payloadBytes < 0 || payloadBytes > 0xFFFF - MinHeaderBytes) return 0;
            destination[0] = 0x45; // version 4, IHL 5
            destination[1] = 0;    // TOS / DSCP+ECN: best effort
            NetworkByteOrder.Write16(destination, 2, (ushort)(MinHeaderBytes + payloadBytes));
            NetworkByteOrder.Write16(destination, 4, identification);
            NetworkByteOrder.Write16(destination, 6, dontFragment ? DontFragmentBit : (ushort)0);
            destination[8] = ttl;
            destination[9] = protocol;
            NetworkByteOrder.Write16(destination, 10, 0);
            NetworkByteOrder.Write32(destination, 12, source);
            NetworkByteOrder.Write32(destination, 16, to);
            NetworkByteOrder.Write16(destination, 10, InternetChecksum.Compute(destination.Slice(0, MinHeaderBytes)));
            return MinHeaderBytes;
        }
    }
}
