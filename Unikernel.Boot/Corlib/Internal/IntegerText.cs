using System;

namespace Internal
{
    // Decimal integers in text, for the TryParse/TryFormat of the integer types, over UTF-16 (char) or UTF-8
    // (byte) units alike. It compiles against the BCL too: the host tests link this file and compare it with
    // .NET's own parsing and formatting.
    internal static unsafe class IntegerText
    {
        // NumberStyles.Integer with the invariant culture, as .NET reads it: optional whitespace, an optional
        // '+' or '-', decimal digits, optional whitespace, then only NULs. Overflow or anything else is false.
        // The magnitude may reach maxPositive, or maxNegative after a '-' (0 for unsigned types: "-0" is 0).
        public static bool TryParse<TChar>(ReadOnlySpan<TChar> text, ulong maxPositive, ulong maxNegative, out ulong magnitude, out bool negative)
            where TChar : unmanaged
        {
            magnitude = 0;
            negative = false;
            fixed (TChar* p = text)
            {
                int n = text.Length, i = 0;
                while (i < n && IsWhite(Unit(p, i))) i++;
                if (i < n && (Unit(p, i) == '-' || Unit(p, i) == '+')) negative = Unit(p, i++) == '-';
                ulong limit = negative ? maxNegative : maxPositive;
                int start = i;
                for (; i < n; i++)
                {
                    uint digit = Unit(p, i) - (uint)'0';
                    if (digit > 9) break;
                    if (digit > limit || magnitude > (limit - digit) / 10) { magnitude = 0; return false; }
                    magnitude = magnitude * 10 + digit;
                }
                if (i == start) return false;
                while (i < n && IsWhite(Unit(p, i))) i++;
                while (i < n && Unit(p, i) == 0) i++;
                if (i < n) { magnitude = 0; return false; }
                return true;
            }
        }

        // A signed type's TryParse: the magnitude may be one more after a '-' (two's complement).
        public static bool TryParseSigned<TChar>(ReadOnlySpan<TChar> text, ulong maxPositive, out long value) where TChar : unmanaged
        {
            bool ok = TryParse(text, maxPositive, maxPositive + 1, out ulong magnitude, out bool negative);
            value = negative ? (long)(0 - magnitude) : (long)magnitude;
            return ok;
        }

        public static bool TryFormatSigned<TChar>(long value, Span<TChar> destination, out int written) where TChar : unmanaged =>
            TryFormat(value < 0, Magnitude(value), destination, out written);

        // The value in decimal with a leading '-' when negative; false (and nothing written) when it does not fit.
        public static bool TryFormat<TChar>(bool negative, ulong magnitude, Span<TChar> destination, out int written)
            where TChar : unmanaged
        {
            int digits = 1;
            for (ulong rest = magnitude / 10; rest != 0; rest /= 10) digits++;
            int length = negative ? digits + 1 : digits;
            if (length > destination.Length) { written = 0; return false; }
            fixed (TChar* p = destination)
            {
                if (negative) Store(p, 0, '-');
                for (int i = length - 1; i >= length - digits; i--)
                {
                    Store(p, i, (char)('0' + (int)(magnitude % 10)));
                    magnitude /= 10;
                }
            }
            written = length;
            return true;
        }

        public static ulong Magnitude(long value) => value < 0 ? 0 - (ulong)value : (ulong)value; // long.MinValue too

        private static bool IsWhite(uint c) => c == ' ' || c - 0x09 <= 0x0D - 0x09;

        // sizeof(TChar) is a constant in each instantiation, so one branch remains.
        private static uint Unit<TChar>(TChar* p, int i) where TChar : unmanaged =>
            sizeof(TChar) == 1 ? ((byte*)p)[i] : ((char*)p)[i];

        private static void Store<TChar>(TChar* p, int i, char c) where TChar : unmanaged
        {
            if (sizeof(TChar) == 1) ((byte*)p)[i] = (byte)c;
            else ((char*)p)[i] = c;
        }
    }
}
