using System;

namespace Unikernel.Core.Protocols
{
    public enum RespParseStatus
    {
        Complete,   // a whole request: Consumed bytes, Count arguments
        Incomplete, // more bytes needed: at least Needed in all
        Error,      // the client broke the protocol: Error says how; Redis answers -ERR and closes
    }

    // Where one argument lies in the parsed input.
    public struct RespArgument
    {
        public int Start;
        public int Length;
    }

    public ref struct RespParseResult
    {
        public RespParseStatus Status;
        public int Consumed;
        public int Count;
        public int Needed;
        public string Error;
    }

    // Requests of the Redis protocol (RESP2, as redis-server reads them): a multi-bulk request
    // "*<n>\r\n" followed by n bulk strings "$<len>\r\n<bytes>\r\n", or an inline request, one line of
    // words separated by spaces (what telnet and nc send). Nothing is copied: the arguments are ranges of
    // the input. The input is untrusted: every length is checked against the limits and the buffer.
    public static class RespRequest
    {
        public const int MaxHeaderLine = 32;  // "*<count>" or "$<length>" with its CRLF; more is malformed

        // Parses the request at the start of input. An empty inline line or "*0"/"*-1" is a request of no
        // arguments (Complete, Count 0) to be skipped. maxBulk bounds one argument, maxInline an inline line.
        public static RespParseResult Parse(ReadOnlySpan<byte> input, Span<RespArgument> arguments, int maxBulk, int maxInline)
        {
            var result = new RespParseResult { Status = RespParseStatus.Incomplete, Needed = input.Length + 1 };
            if (input.IsEmpty) return result;
            if (input[0] != (byte)'*') return ParseInline(input, arguments, maxInline);

            int position = 0;
            long count = ReadHeader(input, ref position, out string error);
            if (error != null) return Fail(error);
            if (count == -2) return result;
            if (count > arguments.Length) return Fail("Protocol error: too many arguments in a request");
            for (int i = 0; i < count; i++)
            {
                if (position >= input.Length) return result;
                if (input[position] != (byte)'$') return Fail("Protocol error: expected '$' at the start of a bulk string");
                long length = ReadHeader(input, ref position, out error);
                if (error != null) return Fail(error);
                if (length == -2) return result;
                if (length < 0 || length > maxBulk) return Fail("Protocol error: invalid bulk length");
                long end = position + length + 2;
                if (end > input.Length)
                {
                    result.Needed = (int)end;
                    return result;
                }
                if (input[(int)end - 2] != (byte)'\r' || input[(int)end - 1] != (byte)'\n') return Fail("Protocol error: a bulk string does not end with CRLF");
                arguments[i].Start = position;
                arguments[i].Length = (int)length;
                position = (int)end;
            }
            result.Status = RespParseStatus.Complete;
            result.Consumed = position;
            result.Count = count < 0 ? 0 : (int)count;
            return result;
        }

        // "*<n>\r\n" or "$<n>\r\n" at position (its marker byte included): the number, -2 when the line is
        // not complete yet, or an error. Negative numbers other than -1 are malformed.
        private static long ReadHeader(ReadOnlySpan<byte> input, ref int position, out string error)
        {
            error = null;
            int start = position + 1;
            int limit = input.Length < position + MaxHeaderLine ? input.Length : position + MaxHeaderLine;
            int cr = -1;
            for (int i = start; i < limit; i++) if (input[i] == (byte)'\r') { cr = i; break; }
            if (cr < 0)
            {
                if (limit == position + MaxHeaderLine) error = "Protocol error: a count or length line is too long";
                return -2;
            }
            if (cr + 1 >= input.Length) return -2;
            if (input[cr + 1] != (byte)'\n') { error = "Protocol error: expected LF after CR"; return 0; }
            ReadOnlySpan<byte> digits = input.Slice(start, cr - start);
            bool negative = digits.Length > 0 && digits[0] == (byte)'-';
            if (negative) digits = digits.Slice(1);
            if (digits.IsEmpty || digits.Length > 10) { error = "Protocol error: invalid count or length"; return 0; }
            long value = 0;
            for (int i = 0; i < digits.Length; i++)
            {
                if (digits[i] < (byte)'0' || digits[i] > (byte)'9') { error = "Protocol error: invalid count or length"; return 0; }
                value = value * 10 + (digits[i] - '0');
            }
            if (negative && value != 1) { error = "Protocol error: invalid count or length"; return 0; }
            position = cr + 2;
            return negative ? -1 : value;
        }

        // One line up to LF (a CR before it dropped), split at spaces and tabs.
        private static RespParseResult ParseInline(ReadOnlySpan<byte> input, Span<RespArgument> arguments, int maxInline)
        {
            var result = new RespParseResult { Status = RespParseStatus.Incomplete, Needed = input.Length + 1 };
            int lf = -1;
            int limit = input.Length < maxInline ? input.Length : maxInline;
            for (int i = 0; i < limit; i++) if (input[i] == (byte)'\n') { lf = i; break; }
            if (lf < 0) return limit == maxInline ? Fail("Protocol error: too big inline request") : result;
            int end = lf > 0 && input[lf - 1] == (byte)'\r' ? lf - 1 : lf;
            int count = 0, position = 0;
            while (true)
            {
                while (position < end && IsBlank(input[position])) position++;
                if (position == end) break;
                int start = position;
                while (position < end && !IsBlank(input[position])) position++;
                if (count == arguments.Length) return Fail("Protocol error: too many arguments in a request");
                arguments[count].Start = start;
                arguments[count].Length = position - start;
                count++;
            }
            result.Status = RespParseStatus.Complete;
            result.Consumed = lf + 1;
            result.Count = count;
            return result;
        }

        private static bool IsBlank(byte b) => b == (byte)' ' || b == (byte)'\t';

        private static RespParseResult Fail(string error) => new RespParseResult { Status = RespParseStatus.Error, Error = error };
    }
}
