using System;

namespace Unikernel.Core.Net
{
    // The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit big-endian
    // words, an odd last byte padded with zero. Sums are carried in a uint and folded at the end, so parts
    // (a pseudo-header, a header, a payload) can be added separately as long as every part but the last has
    // an even length.
    public static class InternetChecksum
    {
        // Adds data's 16-bit words to sum (not folded).
        public static uint Add(uint sum, ReadOnlySpan<byte> data)
        {
            ulong total = sum;
            int i = 0;
            for (; i + 1 < data.Length; i += 2) total += (uint)(data[i] << 8 | data[i + 1]);
            if (i < data.Length) total += (uint)(data[i] << 8);
            while ((total >> 32) != 0) total = (total & 0xFFFFFFFF) + (total >> 32);
            return (uint)total;
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
