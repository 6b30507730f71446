using Internal.Runtime;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace System
{
    // ilc lowers block copies and span fills to these.
    internal static unsafe class SpanHelpers
    {
        internal static void Memmove(byte* dest, byte* src, nuint len)
        {
            if (dest == src || len == 0) return;
            // Eight bytes a step (x86 allows unaligned loads and stores), then the tail; a large forward copy with
            // the CPU's string moves (a third of the instructions per byte of this loop: a 64 KiB segment is
            // copied three times on its way out).
            if (dest < src || dest >= src + len)
            {
                if (len >= 256) { CopyForward(dest, src, len); return; }
                nuint i = 0;
                for (; i + 32 <= len; i += 32)
                {
                    ulong a = *(ulong*)(src + i), b = *(ulong*)(src + i + 8), c = *(ulong*)(src + i + 16), d = *(ulong*)(src + i + 24);
                    *(ulong*)(dest + i) = a; *(ulong*)(dest + i + 8) = b; *(ulong*)(dest + i + 16) = c; *(ulong*)(dest + i + 24) = d;
                }
                for (; i + 8 <= len; i += 8) *(ulong*)(dest + i) = *(ulong*)(src + i);
                for (; i < len; i++) dest[i] = src[i];
            }
            else
            {
                nuint i = len;
                for (; i >= 8; i -= 8) *(ulong*)(dest + i - 8) = *(ulong*)(src + i - 8);
                for (; i > 0; i--) dest[i - 1] = src[i - 1];
            }
        }

        [RuntimeImport("uk_copy_forward")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void CopyForward(byte* dest, byte* src, nuint len);

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
            nuint i = 0;
            for (; i + 8 <= len; i += 8) *(ulong*)(dest + i) = 0;
            for (; i < len; i++) dest[i] = 0;
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
