using Internal.Runtime.CompilerHelpers;

namespace System
{
    // The integer part of System.Math, with the BCL's results (Abs of the minimum value and Clamp with
    // min > max are fatal, as they throw there).
    public static class Math
    {
        public static int Min(int a, int b) => a <= b ? a : b;
        public static long Min(long a, long b) => a <= b ? a : b;
        public static uint Min(uint a, uint b) => a <= b ? a : b;
        public static ulong Min(ulong a, ulong b) => a <= b ? a : b;
        public static int Max(int a, int b) => a >= b ? a : b;
        public static long Max(long a, long b) => a >= b ? a : b;
        public static uint Max(uint a, uint b) => a >= b ? a : b;
        public static ulong Max(ulong a, ulong b) => a >= b ? a : b;

        public static int Abs(int value)
        {
            if (value == int.MinValue) ThrowHelpers.ThrowOverflowException();
            return value < 0 ? -value : value;
        }

        public static long Abs(long value)
        {
            if (value == long.MinValue) ThrowHelpers.ThrowOverflowException();
            return value < 0 ? -value : value;
        }

        public static int Clamp(int value, int min, int max) { if (min > max) ThrowHelpers.ThrowArgumentException(); return value < min ? min : value > max ? max : value; }
        public static long Clamp(long value, long min, long max) { if (min > max) ThrowHelpers.ThrowArgumentException(); return value < min ? min : value > max ? max : value; }
        public static uint Clamp(uint value, uint min, uint max) { if (min > max) ThrowHelpers.ThrowArgumentException(); return value < min ? min : value > max ? max : value; }
        public static ulong Clamp(ulong value, ulong min, ulong max) { if (min > max) ThrowHelpers.ThrowArgumentException(); return value < min ? min : value > max ? max : value; }

        public static int DivRem(int a, int b, out int result) { int q = a / b; result = a - q * b; return q; }
        public static long DivRem(long a, long b, out long result) { long q = a / b; result = a - q * b; return q; }

        public static long BigMul(int a, int b) => (long)a * b;
        public static ulong BigMul(uint a, uint b) => (ulong)a * b;

        // The high 64 bits of the 128-bit product; low gets the rest. (Four 32-bit partial products.)
        public static ulong BigMul(ulong a, ulong b, out ulong low)
        {
            ulong aLo = (uint)a, aHi = a >> 32, bLo = (uint)b, bHi = b >> 32;
            ulong ll = aLo * bLo, lh = aLo * bHi, hl = aHi * bLo, hh = aHi * bHi;
            ulong middle = (ll >> 32) + (uint)lh + (uint)hl;
            low = (middle << 32) | (uint)ll;
            return hh + (lh >> 32) + (hl >> 32) + (middle >> 32);
        }
    }
}
