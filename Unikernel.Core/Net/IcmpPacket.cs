using System;

namespace Unikernel.Core.Net
{
    // An ICMP message (RFC 792): type, code, checksum over the whole message, 4 bytes that depend on the type
    // (identifier and sequence number for echo; unused for destination unreachable), then data.
    public readonly ref struct IcmpPacket
    {
        public const int HeaderBytes = 8;
        public const byte TypeEchoReply = 0, TypeDestinationUnreachable = 3, TypeEchoRequest = 8;
        public const byte CodePortUnreachable = 3;

        public readonly byte Type;
        public readonly byte Code;
        public readonly uint Rest;                 // bytes 4-7: for echo, identifier << 16 | sequence
        public readonly ReadOnlySpan<byte> Data;

        private IcmpPacket(byte type, byte code, uint rest, ReadOnlySpan<byte> data)
        {
            Type = type;
            Code = code;
            Rest = rest;
            Data = data;
        }

        public ushort Identifier => (ushort)(Rest >> 16);
        public ushort Sequence => (ushort)Rest;

        // message is the IPv4 payload, already trimmed to the packet's total length.
        public static ParseStatus TryParse(ReadOnlySpan<byte> message, out IcmpPacket parsed)
        {
            parsed = default;
            if (message.Length < HeaderBytes) return ParseStatus.Malformed;
            if (!InternetChecksum.Verify(0, message)) return ParseStatus.BadChecksum;
            parsed = new IcmpPacket(message[0], message[1], NetworkByteOrder.Read32(message, 4), message.Slice(HeaderBytes));
            return ParseStatus.Valid;
        }

        // Writes the message with its checksum; returns its length, or 0 when the destination is too short.
        public static int Write(Span<byte> destination, byte type, byte code, uint rest, ReadOnlySpan<byte> data)
        {
            int length = HeaderBytes + data.Length;
            if (destination.Length < length) return 0;
            Span<byte> message = destination.Slice(0, length);
            data.CopyTo(message.Slice(HeaderBytes));
            message[0] = type;
            message[1] = code;
            NetworkByteOrder.Write16(message, 2, 0);
            NetworkByteOrder.Write32(message, 4, rest);
            NetworkByteOrder.Write16(message, 2, InternetChecksum.Compute(message));
            return length;
        }
    }
}
