using System;

namespace Unikernel.Core.Net
{
    // A DHCP message (RFC 2131 2, options RFC 2132) as a client reads and writes it: the BOOTP header, the
    // magic cookie, then options as code, length, value. Only what a client needs is read; the rest of the
    // options are skipped, and a message that does not parse is not trusted at all.
    public readonly ref struct DhcpMessage
    {
        public const ushort ServerPort = 67, ClientPort = 68;
        public const int HeaderBytes = 236;          // op .. file (RFC 2131 figure 1)
        public const int MinBytes = 300;             // what BOOTP relays and old servers expect (RFC 1542 2.1)
        public const uint MagicCookie = 0x63825363;  // 99.130.83.99 (RFC 2131 3)
        public const byte OpRequest = 1, OpReply = 2;
        public const byte Discover = 1, Offer = 2, Request = 3, Ack = 5, Nak = 6; // option 53
        public const byte OptionPad = 0, OptionSubnetMask = 1, OptionRouter = 3, OptionRequestedAddress = 50;
        public const byte OptionLeaseTime = 51, OptionOverload = 52, OptionMessageType = 53, OptionServerId = 54;
        public const byte OptionParameterList = 55, OptionRenewalTime = 58, OptionRebindingTime = 59, OptionEnd = 255;
        public const ushort FlagBroadcast = 0x8000;  // answer to 255.255.255.255: we have no address to be sent to

        public readonly byte Op, Type;
        public readonly uint Xid, YourAddress;
        public readonly MacAddress ClientMac;
        public readonly uint SubnetMask, Router, ServerId, LeaseSeconds, RenewalSeconds, RebindingSeconds;

        private DhcpMessage(byte op, byte type, uint xid, uint yiaddr, MacAddress mac, uint mask, uint router, uint server,
            uint lease, uint t1, uint t2)
        {
            Op = op; Type = type; Xid = xid; YourAddress = yiaddr; ClientMac = mac; SubnetMask = mask; Router = router;
            ServerId = server; LeaseSeconds = lease; RenewalSeconds = t1; RebindingSeconds = t2;
        }

        // Malformed: shorter than the header and cookie, another hardware type, an option running past the end,
        // an option of the wrong length, no message type.
        public static ParseStatus TryParse(ReadOnlySpan<byte> data, out DhcpMessage message)
        {
            message = default;
            if (data.Length < HeaderBytes + 4 || data[1] != 1 || data[2] != MacAddress.Bytes) return ParseStatus.Malformed;
            if (NetworkByteOrder.Read32(data, HeaderBytes) != MagicCookie) return ParseStatus.Malformed;
            byte type = 0;
            uint mask = 0, router = 0, server = 0, lease = 0, t1 = 0, t2 = 0;
            int i = HeaderBytes + 4;
            while (i < data.Length)
            {
                byte code = data[i++];
                if (code == OptionPad) continue;
                if (code == OptionEnd) break;
                if (i >= data.Length || i + 1 + data[i] > data.Length) return ParseStatus.Malformed;
                ReadOnlySpan<byte> value = data.Slice(i + 1, data[i]);
                i += 1 + value.Length;
                switch (code)
                {
                    case OptionMessageType: if (value.Length != 1) return ParseStatus.Malformed; type = value[0]; break;
                    case OptionSubnetMask: if (!FourBytes(value, out mask)) return ParseStatus.Malformed; break;
                    case OptionRouter: if (value.Length < 4 || value.Length % 4 != 0) return ParseStatus.Malformed; router = NetworkByteOrder.Read32(value, 0); break;
                    case OptionServerId: if (!FourBytes(value, out server)) return ParseStatus.Malformed; break;
                    case OptionLeaseTime: if (!FourBytes(value, out lease)) return ParseStatus.Malformed; break;
                    case OptionRenewalTime: if (!FourBytes(value, out t1)) return ParseStatus.Malformed; break;
                    case OptionRebindingTime: if (!FourBytes(value, out t2)) return ParseStatus.Malformed; break;
                }
            }
            if (type == 0) return ParseStatus.Malformed;
            message = new DhcpMessage(data[0], type, NetworkByteOrder.Read32(data, 4), NetworkByteOrder.Read32(data, 16),
                MacAddress.Read(data, 28), mask, router, server, lease, t1, t2);
            return ParseStatus.Valid;
        }

        // A four-byte value (an address or a number of seconds).
        private static bool FourBytes(ReadOnlySpan<byte> value, out uint result)
        {
            result = value.Length == 4 ? NetworkByteOrder.Read32(value, 0) : 0;
            return value.Length == 4;
        }

        // A client's DISCOVER or REQUEST, padded to MinBytes: the broadcast flag, our MAC, the parameters we
        // use; requested and server 0 leave their options out; clientAddress is ciaddr (renewing). Returns
        // the length, or 0 when destination is shorter than MinBytes.
        public static int WriteRequest(Span<byte> destination, byte type, uint xid, ushort seconds, MacAddress mac,
            uint clientAddress, uint requested, uint server)
        {
            if (destination.Length < MinBytes) return 0;
            destination.Slice(0, MinBytes).Clear();
            destination[0] = OpRequest;
            destination[1] = 1;               // htype: Ethernet
            destination[2] = MacAddress.Bytes;
            NetworkByteOrder.Write32(destination, 4, xid);
            NetworkByteOrder.Write16(destination, 8, seconds);
            NetworkByteOrder.Write16(destination, 10, clientAddress == 0 ? FlagBroadcast : (ushort)0);
            NetworkByteOrder.Write32(destination, 12, clientAddress);
            mac.Write(destination, 28);
            NetworkByteOrder.Write32(destination, HeaderBytes, MagicCookie);
            int i = HeaderBytes + 4;
            destination[i++] = OptionMessageType; destination[i++] = 1; destination[i++] = type;
            if (requested != 0) i = WriteAddress(destination, i, OptionRequestedAddress, requested);
            if (server != 0) i = WriteAddress(destination, i, OptionServerId, server);
            destination[i++] = OptionParameterList; destination[i++] = 3;
            destination[i++] = OptionSubnetMask; destination[i++] = OptionRouter; destination[i++] = OptionLeaseTime;
            destination[i] = OptionEnd;
            return MinBytes;
        }

        private static int WriteAddress(Span<byte> destination, int i, byte code, uint value)
        {
            destination[i] = code;
            destination[i + 1] = 4;
            NetworkByteOrder.Write32(destination, i + 2, value);
            return i + 6;
        }
    }
}
