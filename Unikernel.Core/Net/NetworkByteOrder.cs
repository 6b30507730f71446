using System;

namespace Unikernel.Core.Net
{
    // Wire fields are big-endian (RFC 791 appendix B, "network byte order"). Callers check bounds first;
    // a span too short still fails its own bounds check rather than reading past it.
    internal static class NetworkByteOrder
    {
        public static ushort Read16(ReadOnlySpan<byte> data, int offset) => (ushort)(data[offset] << 8 | data[offset + 1]);

        public static uint Read32(ReadOnlySpan<byte> data, int offset) =>
            (uint)data[offset] << 24 | (uint)data[offset + 1] << 16 | (uint)data[offset + 2] << 8 | data[offset + 3];

        public static void Write16(Span<byte> data, int offset, ushort value)
        {
            data[offset] = (byte)(value >> 8);
            data[offset + 1] = (byte)value;
        }

        public static void Write32(Span<byte> data, int offset, uint value)
        {
            data[offset] = (byte)(value >> 24);
            data[offset + 1] = (byte)(value >> 16);
            data[offset + 2] = (byte)(value >> 8);
            data[offset + 3] = (byte)value;
        }
    }
}
