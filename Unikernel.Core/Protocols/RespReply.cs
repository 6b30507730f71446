using System;

namespace Unikernel.Core.Protocols
{
    // Replies of the Redis protocol (RESP2) written into a caller's buffer: each method returns the bytes
    // written, or -1 when the buffer is too small (nothing useful written). A bulk string's payload is
    // written by the caller between BulkHeader and Crlf, so a large value need not be copied here first.
    public static class RespReply
    {
        public static int Simple(Span<byte> destination, ReadOnlySpan<char> text) => Line(destination, (byte)'+', text);

        // "-ERR ..." as given: the text should start with the error kind (ERR, WRONGTYPE, ...).
        public static int Error(Span<byte> destination, ReadOnlySpan<char> text) => Line(destination, (byte)'-', text);

        public static int Integer(Span<byte> destination, long value) => Number(destination, (byte)':', value);

        public static int ArrayHeader(Span<byte> destination, long count) => Number(destination, (byte)'*', count);

        public static int BulkHeader(Span<byte> destination, long length) => Number(destination, (byte)'$', length);

        public static int NullBulk(Span<byte> destination) => Number(destination, (byte)'$', -1);

        public static int Crlf(Span<byte> destination)
        {
            if (destination.Length < 2) return -1;
            destination[0] = (byte)'\r';
            destination[1] = (byte)'\n';
            return 2;
        }

        public static int Bulk(Span<byte> destination, ReadOnlySpan<byte> value)
        {
            int header = BulkHeader(destination, value.Length);
            if (header < 0 || destination.Length < header + value.Length + 2) return -1;
            value.CopyTo(destination.Slice(header));
            return header + value.Length + Crlf(destination.Slice(header + value.Length));
        }

        // Text is written as bytes: CR and LF would end the line early, so they become spaces.
        private static int Line(Span<byte> destination, byte marker, ReadOnlySpan<char> text)
        {
            if (destination.Length < text.Length + 3) return -1;
            destination[0] = marker;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                destination[1 + i] = c == '\r' || c == '\n' || c > 0x7E ? (byte)' ' : (byte)c;
            }
            return 1 + text.Length + Crlf(destination.Slice(1 + text.Length));
        }

        private static int Number(Span<byte> destination, byte marker, long value)
        {
            Span<byte> digits = stackalloc byte[20];
            ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
            int n = 0;
            do { digits[n++] = (byte)('0' + (int)(magnitude % 10)); magnitude /= 10; } while (magnitude != 0);
            int length = 1 + (value < 0 ? 1 : 0) + n + 2;
            if (destination.Length < length) return -1;
            int p = 0;
            destination[p++] = marker;
            if (value < 0) destination[p++] = (byte)'-';
            while (n > 0) destination[p++] = digits[--n];
            return p + Crlf(destination.Slice(p));
        }
    }
}
