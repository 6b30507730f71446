using Internal.Runtime;

namespace System
{
    // ilc lowers block copies and span fills to these.
    internal static unsafe class SpanHelpers
    {
        internal static void Memmove(byte* dest, byte* src, nuint len)
        {
            if (dest == src || len == 0) return;
            if (dest < src || dest >= src + len)
            {
                for (nuint i = 0; i < len; i++) dest[i] = src[i];
            }
            else
            {
                for (nuint i = len; i > 0; i--) dest[i - 1] = src[i - 1];
            }
        }

        internal static void Memmove(ref byte dest, ref byte src, nuint len)
        {
            fixed (byte* d = &dest) fixed (byte* s = &src) Memmove(d, s, len);
        }

        internal static void Fill(ref byte dest, nuint len, byte value)
        {
            fixed (byte* d = &dest) for (nuint i = 0; i < len; i++) d[i] = value;
        }

        internal static void ClearWithoutReferences(byte* dest, nuint len)
        {
            for (nuint i = 0; i < len; i++) dest[i] = 0;
        }

        internal static void ClearWithoutReferences(ref byte dest, nuint len)
        {
            fixed (byte* d = &dest) ClearWithoutReferences(d, len);
        }
    }

    internal static unsafe class Buffer
    {
        // No GC, so no write barrier: a plain move.
        internal static void BulkMoveWithWriteBarrier(ref byte dest, ref byte src, nuint len) =>
            SpanHelpers.Memmove(ref dest, ref src, len);
    }
}
