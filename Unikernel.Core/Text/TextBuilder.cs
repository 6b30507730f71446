using System;

namespace Unikernel.Core.Text
{
    // Builds text into a caller-owned buffer without allocating. Text that does not fit is cut off and
    // Truncated says so, so a message is never silently half-written. Interpolated strings append too,
    // text.Append($"count={n} addr=0x{a:x8}"), through AppendInterpolatedHandler (TextBuilder.Interpolation.cs).
    public ref partial struct TextBuilder
    {
        private readonly Span<char> _buffer;
        private int _length;

        public TextBuilder(Span<char> buffer)
        {
            _buffer = buffer;
            _length = 0;
            Truncated = false;
        }

        public int Length => _length;
        public bool Truncated { get; private set; }
        public ReadOnlySpan<char> Text => _buffer.Slice(0, _length);

        public void Clear()
        {
            _length = 0;
            Truncated = false;
        }

        public void Append(char c)
        {
            if (_length < _buffer.Length) _buffer[_length++] = c;
            else Truncated = true;
        }

        public void Append(scoped ReadOnlySpan<char> text)
        {
            for (int i = 0; i < text.Length; i++) Append(text[i]);
        }

        public void Append(ulong value)
        {
            Span<char> digits = stackalloc char[20];
            value.TryFormat(digits, out int n);
            Append(digits.Slice(0, n));
        }

        public void Append(long value)
        {
            if (value < 0) Append('-');
            Append(Magnitude(value));
        }

        public void Append(int value) => Append((long)value);
        public void Append(uint value) => Append((ulong)value);

        public void AppendHex(ulong value, int minDigits = 1)
        {
            Span<char> digits = stackalloc char[16];
            int n = NumberFormatter.FormatHex(value, digits, minDigits);
            Append("0x");
            Append(digits.Slice(digits.Length - n));
        }

        // An integer with a format, as in an interpolation hole {value:format}: a subset of .NET's integer
        // formats, with .NET's output for each.
        //   (none), "" decimal                                        -42
        //   d5, D5     decimal, at least 5 digits after the sign      -00042
        //   x, X       hex of the value's bits at its own width (two's complement), no prefix:
        //              2a or 2A; -1 as an int ffffffff, as a long ffffffffffffffff
        //   x8, X8     hex, at least 8 digits                         0000002a
        // The precision is one or two digits (0-99). Any other format is not guessed at: "{?format}" is
        // appended in the value's place, so the mistake shows in the output. (AppendHex keeps its 0x prefix.)
        public void Append(int value, scoped ReadOnlySpan<char> format) => AppendFormatted(value < 0, Magnitude(value), (uint)value, format);
        public void Append(uint value, scoped ReadOnlySpan<char> format) => AppendFormatted(false, value, value, format);
        public void Append(long value, scoped ReadOnlySpan<char> format) => AppendFormatted(value < 0, Magnitude(value), (ulong)value, format);
        public void Append(ulong value, scoped ReadOnlySpan<char> format) => AppendFormatted(false, value, value, format);

        private static ulong Magnitude(long value) => value < 0 ? 0 - (ulong)value : (ulong)value; // long.MinValue too

        private void AppendFormatted(bool negative, ulong magnitude, ulong bits, scoped ReadOnlySpan<char> format)
        {
            if (!TryParseIntegerFormat(format, out char kind, out int precision))
            {
                Append("{?");
                Append(format);
                Append('}');
                return;
            }
            bool hex = kind == 'x' || kind == 'X';
            Span<char> digits = stackalloc char[20];
            int n;
            if (hex) n = NumberFormatter.FormatHex(bits, digits, 1, kind == 'X');
            else magnitude.TryFormat(digits, out n);
            if (negative && !hex) Append('-');
            for (int i = n; i < precision; i++) Append('0');
            Append(hex ? digits.Slice(digits.Length - n) : digits.Slice(0, n));
        }

        // "" or one of d, D, x, X followed by at most two digits.
        private static bool TryParseIntegerFormat(scoped ReadOnlySpan<char> format, out char kind, out int precision)
        {
            kind = format.IsEmpty ? 'd' : format[0];
            precision = 0;
            if ((kind != 'd' && kind != 'D' && kind != 'x' && kind != 'X') || format.Length > 3) return false;
            for (int i = 1; i < format.Length; i++)
            {
                char c = format[i];
                if (c < '0' || c > '9') return false;
                precision = precision * 10 + (c - '0');
            }
            return true;
        }
    }
}
