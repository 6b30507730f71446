using System.Runtime.CompilerServices;

namespace System.Threading
{
    // Atomic operations on memory shared with the hypervisor (event bitmaps, rings). The [Intrinsic]
    // methods are expanded by the code generator into locked instructions; the self-call is never reached.
    // Only the overloads the guest uses, with the signatures of the BCL's so shared code compiles for both.
    public static unsafe class Interlocked
    {
        [Intrinsic]
        public static long CompareExchange(ref long location1, long value, long comparand) => CompareExchange(ref location1, value, comparand);

        [Intrinsic]
        public static long Exchange(ref long location1, long value) => Exchange(ref location1, value);

        [Intrinsic]
        public static int CompareExchange(ref int location1, int value, int comparand) => CompareExchange(ref location1, value, comparand);

        [Intrinsic]
        public static int Exchange(ref int location1, int value) => Exchange(ref location1, value);

        [Intrinsic]
        public static int ExchangeAdd(ref int location1, int value) => ExchangeAdd(ref location1, value);

        public static int Increment(ref int location) => ExchangeAdd(ref location, 1) + 1;

        public static ulong CompareExchange(ref ulong location1, ulong value, ulong comparand)
        {
            fixed (ulong* p = &location1) return (ulong)CompareExchange(ref *(long*)p, (long)value, (long)comparand);
        }

        public static ulong Exchange(ref ulong location1, ulong value)
        {
            fixed (ulong* p = &location1) return (ulong)Exchange(ref *(long*)p, (long)value);
        }

        // And/Or return the original value, as the BCL's do.
        public static ulong And(ref ulong location1, ulong value)
        {
            ulong current = location1;
            while (true)
            {
                ulong old = CompareExchange(ref location1, current & value, current);
                if (old == current) return old;
                current = old;
            }
        }

        public static ulong Or(ref ulong location1, ulong value)
        {
            ulong current = location1;
            while (true)
            {
                ulong old = CompareExchange(ref location1, current | value, current);
                if (old == current) return old;
                current = old;
            }
        }
    }

    // Reads the compiler may not cache or reorder: memory another party writes (x86 loads are ordered).
    public static unsafe class Volatile
    {
        private struct VolatileUInt64 { public volatile nuint Value; } // C# allows volatile nuint, not ulong; same width here
        private struct VolatileUInt32 { public volatile uint Value; }

        public static ulong Read(ref readonly ulong location)
        {
            fixed (ulong* p = &location) return (ulong)((VolatileUInt64*)p)->Value;
        }

        public static uint Read(ref readonly uint location)
        {
            fixed (uint* p = &location) return ((VolatileUInt32*)p)->Value;
        }

        public static void Write(ref uint location, uint value)
        {
            fixed (uint* p = &location) ((VolatileUInt32*)p)->Value = value;
        }

        public static void Write(ref ulong location, ulong value)
        {
            fixed (ulong* p = &location) ((VolatileUInt64*)p)->Value = (nuint)value;
        }
    }
}
