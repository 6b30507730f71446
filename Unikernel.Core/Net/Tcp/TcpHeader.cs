using System;

namespace Unikernel.Core.Net.Tcp
{
    // The control bits of the TCP header (RFC 9293 3.1; CWR and ECE from RFC 3168).
    public static class TcpFlags
    {
        public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80;
    }

    public enum TcpParseResult
    {
        Ok,
        TooShort,       // fewer than 20 bytes
        BadDataOffset,  // data offset below 5 or past the end of the segment
        BadOption,      // an option length below 2, past the header, or wrong for its kind
    }

    // The TCP header (RFC 9293 3.1) and the options this stack reads: MSS (kind 2, RFC 9293 3.7.1), window
    // scale (kind 3, RFC 7323 2), SACK-permitted (kind 4, RFC 2018) and timestamps (kind 8, RFC 7323 3).
    // Multi-byte fields are big-endian on the wire. Parsing trusts nothing: every length is checked against
    // the segment before it is used.
    public struct TcpHeader
    {
        public const int MinLength = 20;
        public const int MaxLength = 60;
        public const int MaxWindowScale = 14; // RFC 7323 2.3: a larger shift is taken as 14

        public ushort SourcePort;
        public ushort DestinationPort;
        public uint Sequence;
        public uint Acknowledgment;
        public int HeaderLength;   // data offset * 4, options included
        public byte Flags;
        public ushort Window;
        public ushort Checksum;
        public ushort Urgent;

        public ushort Mss;          // 0: no MSS option
        public bool HasWindowScale;
        public byte WindowScale;    // the shift as sent, not clamped
        public bool SackPermitted;
        public bool HasTimestamps;
        public uint TimestampValue;
        public uint TimestampEcho;

        public bool Has(byte flag) => (Flags & flag) != 0;

        public static TcpParseResult TryParse(ReadOnlySpan<byte> segment, out TcpHeader header)
        {
            header = default;
            if (segment.Length < MinLength) return TcpParseResult.TooShort;
            int headerLength = (segment[12] >> 4) * 4;
            if (headerLength < MinLength || headerLength > segment.Length) return TcpParseResult.BadDataOffset;
            header.SourcePort = Read16(segment, 0);
            header.DestinationPort = Read16(segment, 2);
            header.Sequence = Read32(segment, 4);
            header.Acknowledgment = Read32(segment, 8);
            header.HeaderLength = headerLength;
            header.Flags = segment[13];
            header.Window = Read16(segment, 14);
            header.Checksum = Read16(segment, 16);
            header.Urgent = Read16(segment, 18);
            return ParseOptions(segment.Slice(MinLength, headerLength - MinLength), ref header);
        }

        // RFC 9293 3.1 "Options": kind 0 ends the list, kind 1 is one byte of padding, every other kind has a
        // length byte counting kind and length; unknown kinds are skipped by that length.
        private static TcpParseResult ParseOptions(ReadOnlySpan<byte> options, ref TcpHeader header)
        {
            int i = 0;
            while (i < options.Length)
            {
                byte kind = options[i];
                if (kind == 0) break;
                if (kind == 1) { i++; continue; }
                if (i + 1 >= options.Length) return TcpParseResult.BadOption;
                int length = options[i + 1];
                if (length < 2 || i + length > options.Length) return TcpParseResult.BadOption;
                ReadOnlySpan<byte> body = options.Slice(i + 2, length - 2);
                switch (kind)
                {
                    case 2:
                        if (length != 4) return TcpParseResult.BadOption;
                        header.Mss = Read16(body, 0);
                        break;
                    case 3:
                        if (length != 3) return TcpParseResult.BadOption;
                        header.HasWindowScale = true;
                        header.WindowScale = body[0];
                        break;
                    case 4:
                        if (length != 2) return TcpParseResult.BadOption;
                        header.SackPermitted = true;
                        break;
                    case 8:
                        if (length != 10) return TcpParseResult.BadOption;
                        header.HasTimestamps = true;
                        header.TimestampValue = Read32(body, 0);
                        header.TimestampEcho = Read32(body, 4);
                        break;
                }
                i += length;
            }
            return TcpParseResult.Ok;
        }

        // The header length Write produces: 20 plus the options set, each padded with NOPs to 4 bytes.
        public int EncodedLength
        {
            get
            {
                int n = MinLength;
                if (Mss != 0) n += 4;
                if (HasWindowScale) n += 4;
                if (SackPermitted) n += 4;
                if (HasTimestamps) n += 12;
                return n;
            }
        }

        // Writes the header and its options (HeaderLength is ignored: EncodedLength is used) with Checksum as
        // given. Returns the header length, or 0 if destination is too small.
        public int Write(Span<byte> destination)
        {
            int length = EncodedLength;
            if (destination.Length < length) return 0;
            Write16(destination, 0, SourcePort);
            Write16(destination, 2, DestinationPort);
            Write32(destination, 4, Sequence);
            Write32(destination, 8, Acknowledgment);
            destination[12] = (byte)(length / 4 << 4);
            destination[13] = Flags;
            Write16(destination, 14, Window);
            Write16(destination, 16, Checksum);
            Write16(destination, 18, Urgent);
            int i = MinLength;
            if (Mss != 0)
            {
                destination[i] = 2; destination[i + 1] = 4;
                Write16(destination, i + 2, Mss);
                i += 4;
            }
            if (HasWindowScale)
            {
                destination[i] = 1; destination[i + 1] = 3; destination[i + 2] = 3; destination[i + 3] = WindowScale;
                i += 4;
            }
            if (SackPermitted)
            {
                destination[i] = 1; destination[i + 1] = 1; destination[i + 2] = 4; destination[i + 3] = 2;
                i += 4;
            }
            if (HasTimestamps)
            {
                destination[i] = 1; destination[i + 1] = 1; destination[i + 2] = 8; destination[i + 3] = 10;
                Write32(destination, i + 4, TimestampValue);
                Write32(destination, i + 8, TimestampEcho);
            }
            return length;
        }

        // Fills the checksum field (offset 16) of a whole segment: the Internet checksum over the IPv4
        // pseudo-header (RFC 9293 3.1) and the segment with the field zero.
        public static void FillChecksum(Span<byte> segment, uint source, uint destination)
        {
            segment[16] = 0;
            segment[17] = 0;
            uint sum = InternetChecksum.PseudoHeader(source, destination, 6, segment.Length);
            Write16(segment, 16, InternetChecksum.Finish(InternetChecksum.Add(sum, segment)));
        }

        // For checksum offload (CHECKSUM_PARTIAL): the pseudo-header's folded sum, not complemented, which the
        // device adds the segment's bytes to and complements.
        public static void FillPseudoHeaderChecksum(Span<byte> segment, uint source, uint destination)
        {
            uint sum = InternetChecksum.PseudoHeader(source, destination, 6, segment.Length);
            Write16(segment, 16, (ushort)~InternetChecksum.Finish(sum));
        }

        public static bool VerifyChecksum(ReadOnlySpan<byte> segment, uint source, uint destination) =>
            InternetChecksum.Verify(InternetChecksum.PseudoHeader(source, destination, 6, segment.Length), segment);

        private static ushort Read16(ReadOnlySpan<byte> b, int i) => (ushort)(b[i] << 8 | b[i + 1]);
        private static uint Read32(ReadOnlySpan<byte> b, int i) => (uint)(b[i] << 24 | b[i + 1] << 16 | b[i + 2] << 8 | b[i + 3]);

        private static void Write16(Span<byte> b, int i, ushort v)
        {
            b[i] = (byte)(v >> 8);
            b[i + 1] = (byte)v;
        }

        private static void Write32(Span<byte> b, int i, uint v)
        {
            b[i] = (byte)(v >> 24);
            b[i + 1] = (byte)(v >> 16);
            b[i + 2] = (byte)(v >> 8);
            b[i + 3] = (byte)v;
        }
    }
}
