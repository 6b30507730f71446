using System;

namespace Unikernel.Core.Text
{
    /// <summary>
    /// Builds text into a caller-owned buffer without allocating: <c>var text = new TextBuilder(stackalloc char[80]);</c>.
    /// Text that does not fit is cut off and <see cref="Truncated"/> says so, so a message is never silently
    /// half-written. Interpolated strings append too, <c>text.Append($"count={n} addr=0x{a:x8}")</c>, through
    /// <see cref="AppendInterpolatedHandler"/>.
    /// </summary>
    public ref partial struct TextBuilder
    {
        private readonly Span<char> _buffer;
        private int _length;

        /// <summary>An empty builder writing into <paramref name="buffer"/>.</summary>
        public TextBuilder(Span<char> buffer)
        {
            _buffer = buffer;
            _length = 0;
            Truncated = false;
        }

        /// <summary>How many characters the text has.</summary>
        public int Length => _length;
        /// <summary>Whether something did not fit and was cut off (until <see cref="Clear"/>).</summary>
        public bool Truncated { get; private set; }
        /// <summary>The text so far, in the caller's buffer.</summary>
        public ReadOnlySpan<char> Text => _buffer.Slice(0, _length);

        /// <summary>Empties the text and clears <see cref="Truncated"/>.</summary>
        public void Clear()
        {
            _length = 0;
            Truncated = false;
        }

        /// <summary>Appends a character.</summary>
        public void Append(char c)
        {
            if (_length < _buffer.Length) _buffer[_length++] = c;
            else Truncated = true;
        }

        /// <summary>Appends text (a <c>string</c> converts to this).</summary>
        public void Append(scoped ReadOnlySpan<char> text)
        {
            for (int i = 0; i < text.Length; i++) Append(text[i]);
        }

        /// <summary>Appends a number in decimal.</summary>
        public void Append(ulong value)
        {
            Span<char> digits = stackalloc char[20];
            value.TryFormat(digits, out int n);
            Append(digits.Slice(0, n));
        }

        /// <summary>Appends a number in decimal, with a minus sign when negative.</summary>
        public void Append(long value)
        {
            if (value < 0) Append('-');
            Append(Magnitude(value));
        }

        /// <summary>Appends a number in decimal, with a minus sign when negative.</summary>
        public void Append(int value) => Append((long)value);
        /// <summary>Appends a number in decimal.</summary>
        public void Append(uint value) => Append((ulong)value);

        /// <summary>Appends <c>0x</c> and the value in lower-case hex, at least <paramref name="minDigits"/> digits.</summary>
        public void AppendHex(ulong value, int minDigits = 1)
        {
            Span<char> digits = stackalloc char[16];
            int n = NumberFormatter.FormatHex(value, digits, minDigits);
            Append("0x");
            Append(digits.Slice(digits.Length - n));
        }

        /// <summary>
        /// Appends an integer with a format, as in an interpolation hole <c>{value:format}</c>: a subset of .NET's
        /// integer formats, with .NET's output for each. Empty: decimal (<c>-42</c>); <c>d5</c>/<c>D5</c>: decimal,
        /// at least 5 digits after the sign (<c>-00042</c>); <c>x</c>/<c>X</c>: hex of the value's bits at its own
        /// width (two's complement), no prefix (<c>2a</c>; -1 as an int <c>ffffffff</c>); <c>x8</c>: hex, at least 8
        /// digits. The precision is one or two digits (0-99). Any other format appends <c>{?format}</c> in the
        /// value's place, so the mistake shows. (<see cref="AppendHex"/> keeps its 0x prefix.)
        /// </summary>
        public void Append(int value, scoped ReadOnlySpan<char> format) => AppendFormatted(value < 0, Magnitude(value), (uint)value, format);
        /// <summary>As <see cref="Append(int, ReadOnlySpan{char})"/>.</summary>
        public void Append(uint value, scoped ReadOnlySpan<char> format) => AppendFormatted(false, value, value, format);
        /// <summary>As <see cref="Append(int, ReadOnlySpan{char})"/>.</summary>
        public void Append(long value, scoped ReadOnlySpan<char> format) => AppendFormatted(value < 0, Magnitude(value), (ulong)value, format);
        /// <summary>As <see cref="Append(int, ReadOnlySpan{char})"/>.</summary>
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
