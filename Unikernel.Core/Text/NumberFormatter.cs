using System;

namespace Unikernel.Core.Text
{
    // Right-aligned hex digits into a fixed buffer; returns the number written at its end. (Decimal is the
    // integer types' TryFormat: the corlib's in the guest.)
    public static class NumberFormatter
    {
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
