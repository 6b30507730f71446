using System;

namespace Unikernel.Core.Text
{
    // Right-aligned digit formatting into a fixed buffer; returns the number of digits written at its end.
    public static class NumberFormatter
    {
        public static int FormatDecimal(ulong value, Span<char> buffer)
        {
            int i = buffer.Length;
            do
            {
                buffer[--i] = (char)('0' + (int)(value % 10));
                value /= 10;
            } while (value != 0);
            return buffer.Length - i;
        }

        public static int FormatHex(ulong value, Span<char> buffer, int minDigits = 1, bool upperCase = false)
        {
            int letters = upperCase ? 'A' - 10 : 'a' - 10;
            int i = buffer.Length;
            do
            {
                int nibble = (int)(value & 0xf);
                buffer[--i] = (char)(nibble < 10 ? '0' + nibble : letters + nibble);
                value >>= 4;
            } while (value != 0 || buffer.Length - i < minDigits);
            return buffer.Length - i;
        }
    }
}
