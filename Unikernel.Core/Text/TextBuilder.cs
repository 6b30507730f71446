using System;

namespace Unikernel.Core.Text
{
    // Builds text into a caller-owned buffer without allocating. Text that does not fit is cut off and
    // Truncated says so, so a message is never silently half-written.
    public ref struct TextBuilder
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
            int n = NumberFormatter.FormatDecimal(value, digits);
            Append(digits.Slice(digits.Length - n));
        }

        public void Append(long value)
        {
            if (value < 0)
            {
                Append('-');
                Append((ulong)(-(value + 1)) + 1);
                return;
            }
            Append((ulong)value);
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
    }
}
