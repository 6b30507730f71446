using System;

namespace Unikernel.Core.Net
{
    // An Ethernet II frame (IEEE 802.3, RFC 894 for IPv4): destination MAC, source MAC, EtherType, payload;
    // no FCS (the NIC, here netback, strips it). EtherTypes below 0x0600 are 802.3 lengths, not types.
    public readonly ref struct EthernetFrame
    {
        public const int HeaderBytes = 14;
        public const int MaxPayload = 1500;                       // the MTU
        public const int MaxFrameBytes = HeaderBytes + MaxPayload; // 1514
        public const ushort TypeIpv4 = 0x0800, TypeArp = 0x0806;
        private const ushort TypeVlan = 0x8100, TypeQinQ = 0x88A8, TypeQinQOld = 0x9100;

        public readonly MacAddress Destination;
        public readonly MacAddress Source;
        public readonly ushort EtherType;
        public readonly ReadOnlySpan<byte> Payload;

        private EthernetFrame(MacAddress destination, MacAddress source, ushort etherType, ReadOnlySpan<byte> payload)
        {
            Destination = destination;
            Source = source;
            EtherType = etherType;
            Payload = payload;
        }

        public static ParseStatus TryParse(ReadOnlySpan<byte> frame, out EthernetFrame parsed)
        {
            parsed = default;
            if (frame.Length < HeaderBytes) return ParseStatus.Malformed;
            ushort type = NetworkByteOrder.Read16(frame, 12);
            if (type == TypeVlan || type == TypeQinQ || type == TypeQinQOld) return ParseStatus.VlanTagged;
            parsed = new EthernetFrame(MacAddress.Read(frame, 0), MacAddress.Read(frame, 6), type, frame.Slice(HeaderBytes));
            return ParseStatus.Valid;
        }

        // Writes the header; returns HeaderBytes, or 0 when the destination is too short.
        public static int WriteHeader(Span<byte> destination, MacAddress to, MacAddress from, ushort etherType)
        {
            if (destination.Length < HeaderBytes) return 0;
            to.Write(destination, 0);
            from.Write(destination, 6);
            NetworkByteOrder.Write16(destination, 12, etherType);
            return HeaderBytes;
        }
    }
}
