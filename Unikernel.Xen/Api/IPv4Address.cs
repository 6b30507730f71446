using System;
using Unikernel.Core.Net;
using Unikernel.Core.Text;

namespace Unikernel
{
    /// <summary>An IPv4 address (169.254.0.2 is <c>new IPv4Address(169, 254, 0, 2)</c>).</summary>
    public readonly struct IPv4Address
    {
        /// <summary>The address as a number in host order: 169.254.0.2 is 0xA9FE0002.</summary>
        public readonly uint Value;

        /// <summary>The address whose host-order number is <paramref name="value"/>.</summary>
        public IPv4Address(uint value) => Value = value;

        /// <summary>The address a.b.c.d.</summary>
        public IPv4Address(byte a, byte b, byte c, byte d) => Value = (uint)(a << 24 | b << 16 | c << 8 | d);

        /// <summary>0.0.0.0: no address.</summary>
        public static IPv4Address None => default;

        /// <summary>Reads a dotted quad ("169.254.0.2"); false for anything else.</summary>
        public static bool TryParse(ReadOnlySpan<byte> text, out IPv4Address address)
        {
            bool ok = Ipv4Text.TryParse(text, out uint value);
            address = new IPv4Address(value);
            return ok;
        }

        /// <summary>Writes the dotted quad into <paramref name="destination"/> (16 chars always suffice); returns its length.</summary>
        public int Format(Span<char> destination)
        {
            var text = new TextBuilder(destination);
            Ipv4Text.Append(ref text, Value);
            return text.Length;
        }

        /// <summary>Whether both are the same address.</summary>
        public bool Equals(IPv4Address other) => Value == other.Value;
    }
}
