using System;

namespace Unikernel.Core.Net
{
    // A 48-bit Ethernet (IEEE 802) address, kept in a ulong as it reads on the wire: the first byte is the
    // most significant of the 48 bits, so 00:16:3e:01:02:03 is 0x00163E010203.
    public readonly struct MacAddress
    {
        public const int Bytes = 6;
        public readonly ulong Value;

        public MacAddress(ulong value) => Value = value & 0xFFFF_FFFF_FFFF;

        public static MacAddress Broadcast => new MacAddress(0xFFFF_FFFF_FFFF);
        public static MacAddress Zero => default;

        public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFF;
        // The I/G bit, the low bit of the first byte: group (multicast or broadcast) addresses.
        public bool IsGroup => (Value & 0x0100_0000_0000) != 0;

        public bool Equals(MacAddress other) => Value == other.Value;

        public static MacAddress Read(ReadOnlySpan<byte> data, int offset)
        {
            ulong value = 0;
            for (int i = 0; i < Bytes; i++) value = value << 8 | data[offset + i];
            return new MacAddress(value);
        }

        public void Write(Span<byte> data, int offset)
        {
            for (int i = 0; i < Bytes; i++) data[offset + i] = (byte)(Value >> (8 * (Bytes - 1 - i)));
        }
    }
}
