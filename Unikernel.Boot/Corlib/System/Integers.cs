using Internal;

namespace System
{
    // Parsing and formatting with the BCL's names and results (NumberStyles.Integer, the invariant culture),
    // over text as chars or as UTF-8 bytes. The work is IntegerText's.
    public partial struct Int32
    {
        public static bool TryParse(ReadOnlySpan<char> s, out int result) { bool ok = IntegerText.TryParseSigned(s, MaxValue, out long v); result = (int)v; return ok; }
        public static bool TryParse(ReadOnlySpan<byte> utf8Text, out int result) { bool ok = IntegerText.TryParseSigned(utf8Text, MaxValue, out long v); result = (int)v; return ok; }
        public bool TryFormat(Span<char> destination, out int charsWritten) => IntegerText.TryFormatSigned(_value, destination, out charsWritten);
        public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten) => IntegerText.TryFormatSigned(_value, utf8Destination, out bytesWritten);
    }

    public partial struct UInt32
    {
        public static bool TryParse(ReadOnlySpan<char> s, out uint result) { bool ok = IntegerText.TryParse(s, MaxValue, 0, out ulong m, out _); result = (uint)m; return ok; }
        public static bool TryParse(ReadOnlySpan<byte> utf8Text, out uint result) { bool ok = IntegerText.TryParse(utf8Text, MaxValue, 0, out ulong m, out _); result = (uint)m; return ok; }
        public bool TryFormat(Span<char> destination, out int charsWritten) => IntegerText.TryFormat(false, _value, destination, out charsWritten);
        public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten) => IntegerText.TryFormat(false, _value, utf8Destination, out bytesWritten);
    }

    public partial struct Int64
    {
        public static bool TryParse(ReadOnlySpan<char> s, out long result) => IntegerText.TryParseSigned(s, MaxValue, out result);
        public static bool TryParse(ReadOnlySpan<byte> utf8Text, out long result) => IntegerText.TryParseSigned(utf8Text, MaxValue, out result);
        public bool TryFormat(Span<char> destination, out int charsWritten) => IntegerText.TryFormatSigned(_value, destination, out charsWritten);
        public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten) => IntegerText.TryFormatSigned(_value, utf8Destination, out bytesWritten);
    }

    public partial struct UInt64
    {
        public static bool TryParse(ReadOnlySpan<char> s, out ulong result) => IntegerText.TryParse(s, MaxValue, 0, out result, out _);
        public static bool TryParse(ReadOnlySpan<byte> utf8Text, out ulong result) => IntegerText.TryParse(utf8Text, MaxValue, 0, out result, out _);
        public bool TryFormat(Span<char> destination, out int charsWritten) => IntegerText.TryFormat(false, _value, destination, out charsWritten);
        public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten) => IntegerText.TryFormat(false, _value, utf8Destination, out bytesWritten);
    }

    public partial struct Char
    {
        // char.IsWhiteSpace: the Unicode White_Space characters.
        public static bool IsWhiteSpace(char c) =>
            c == ' ' || (c >= '\t' && c <= '\r') || c == '\u0085' || c == '\u00a0' || c == '\u1680' || (c >= '\u2000' && c <= '\u200a') ||
            c == '\u2028' || c == '\u2029' || c == '\u202f' || c == '\u205f' || c == '\u3000';

        public static bool IsAsciiDigit(char c) => (uint)(c - '0') <= 9;
        public static bool IsAsciiLetter(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';
    }
}
