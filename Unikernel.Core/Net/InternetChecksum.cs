using System;

namespace Unikernel.Core.Net
{
    // The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit big-endian
    // words, an odd last byte padded with zero. Sums are carried in a uint and folded at the end, so parts
    // (a pseudo-header, a header, a payload) can be added separately as long as every part but the last has
    // an even length.
    public static class InternetChecksum
    {
        // Adds data's 16-bit words to sum (not folded). Eight bytes a step: the ones' complement sum does not
        // depend on byte order (RFC 1071 2(B)), so the words are summed as they lie in memory (little-endian),
        // folded, and the result swapped once; two bytes a step cost four times the instructions.
        public static unsafe uint Add(uint sum, ReadOnlySpan<byte> data)
        {
            ulong total = 0;
            int i = 0, n = data.Length;
            fixed (byte* p = data)
            {
                for (; i + 8 <= n; i += 8)
                {
                    ulong v = *(ulong*)(p + i);
                    total += (v & 0xFFFFFFFF) + (v >> 32); // at most 2^33 a step: no overflow below 2^31 steps
                }
                for (; i + 1 < n; i += 2) total += (uint)(p[i] | p[i + 1] << 8);
                if (i < n) total += p[i]; // an odd last byte is the high byte of a zero-padded big-endian word
            }
            while ((total >> 16) != 0) total = (total & 0xFFFF) + (total >> 16);
            ulong swapped = (total >> 8 | total << 8) & 0xFFFF;
            ulong result = (ulong)sum + swapped;
            while ((result >> 32) != 0) result = (result & 0xFFFFFFFF) + (result >> 32);
            return (uint)result;
        }

        // Folds a sum to 16 bits and complements it: the value to store in a checksum field (big-endian).
        public static ushort Finish(uint sum)
        {
            while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)~sum;
        }

        public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

        // The TCP/UDP pseudo-header of RFC 793/768 over IPv4: source, destination, zero, protocol, length.
        // Addresses are in host order (0xA9FE0001 is 169.254.0.1).
        public static uint PseudoHeader(uint source, uint destination, byte protocol, int length)
        {
            ulong total = (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF)
                + protocol + (uint)length;
            while ((total >> 32) != 0) total = (total & 0xFFFFFFFF) + (total >> 32);
            return (uint)total;
        }

        // Data that carries its own checksum field sums to 0xFFFF (Finish gives 0) when it is intact.
        public static bool Verify(uint sum, ReadOnlySpan<byte> data) => Finish(Add(sum, data)) == 0;
    }
}
