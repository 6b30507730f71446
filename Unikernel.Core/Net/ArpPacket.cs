using System;

namespace Unikernel.Core.Net
{
    // An ARP packet (RFC 826) for Ethernet and IPv4 only: hardware type 1, protocol type 0x0800, address
    // lengths 6 and 4, then operation, sender MAC and IP, target MAC and IP (28 bytes). Anything else
    // (another hardware or protocol, RARP operations) is Malformed to us.
    public readonly struct ArpPacket
    {
        public const int Bytes = 28;
        public const ushort Request = 1, Reply = 2;
        private const ushort HardwareEthernet = 1;

        public readonly ushort Operation;
        public readonly MacAddress SenderMac;
        public readonly uint SenderIp;
        public readonly MacAddress TargetMac;
        public readonly uint TargetIp;

        public ArpPacket(ushort operation, MacAddress senderMac, uint senderIp, MacAddress targetMac, uint targetIp)
        {
            Operation = operation;
            SenderMac = senderMac;
            SenderIp = senderIp;
            TargetMac = targetMac;
            TargetIp = targetIp;
        }

        // Bytes past the 28 (Ethernet padding) are ignored.
        public static ParseStatus TryParse(ReadOnlySpan<byte> data, out ArpPacket parsed)
        {
            parsed = default;
            if (data.Length < Bytes) return ParseStatus.Malformed;
            if (NetworkByteOrder.Read16(data, 0) != HardwareEthernet || NetworkByteOrder.Read16(data, 2) != EthernetFrame.TypeIpv4
                || data[4] != MacAddress.Bytes || data[5] != 4) return ParseStatus.Malformed;
            ushort operation = NetworkByteOrder.Read16(data, 6);
            if (operation != Request && operation != Reply) return ParseStatus.Malformed;
            parsed = new ArpPacket(operation, MacAddress.Read(data, 8), NetworkByteOrder.Read32(data, 14),
                MacAddress.Read(data, 18), NetworkByteOrder.Read32(data, 24));
            return ParseStatus.Valid;
        }

        // Returns Bytes, or 0 when the destination is too short.
        public int Write(Span<byte> destination)
        {
            if (destination.Length < Bytes) return 0;
            NetworkByteOrder.Write16(destination, 0, HardwareEthernet);
            NetworkByteOrder.Write16(destination, 2, EthernetFrame.TypeIpv4);
            destination[4] = MacAddress.Bytes;
            destination[5] = 4;
            NetworkByteOrder.Write16(destination, 6, Operation);
            SenderMac.Write(destination, 8);
            NetworkByteOrder.Write32(destination, 14, SenderIp);
            TargetMac.Write(destination, 18);
            NetworkByteOrder.Write32(destination, 24, TargetIp);
            return Bytes;
        }
    }
}
