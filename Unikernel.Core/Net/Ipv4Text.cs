using System;
using Unikernel.Core.Text;

namespace Unikernel.Core.Net
{
    // IPv4 addresses as text: dotted quads ("169.254.0.2"), optionally with a prefix length ("/16"), as the
    // command line and xenstore's vif "ip" key give them. Addresses are uint in host order.
    public static class Ipv4Text
    {
        // Four decimal parts of 0-255, no leading '+', no empty part, at most three digits each.
        public static bool TryParse(ReadOnlySpan<byte> text, out uint address)
        {
            address = 0;
            int part = 0, position = 0;
            while (part < 4)
            {
                int start = position;
                uint value = 0;
                while (position < text.Length && text[position] >= (byte)'0' && text[position] <= (byte)'9' && position - start < 3)
                    value = value * 10 + (uint)(text[position++] - '0');
                if (position == start || value > 255) return false;
                address = address << 8 | value;
                part++;
                if (part < 4)
                {
                    if (position >= text.Length || text[position] != (byte)'.') return false;
                    position++;
                }
            }
            return position == text.Length;
        }

        // "a.b.c.d" or "a.b.c.d/n" (n 1-32). Without a prefix: 16 for link-local 169.254/16, else 24.
        public static bool TryParseWithPrefix(ReadOnlySpan<byte> text, out uint address, out int prefixLength)
        {
            prefixLength = 0;
            int slash = -1;
            for (int i = 0; i < text.Length; i++) if (text[i] == (byte)'/') { slash = i; break; }
            if (!TryParse(slash < 0 ? text : text.Slice(0, slash), out address)) return false;
            if (slash < 0)
            {
                prefixLength = (address >> 16) == 0xA9FE ? 16 : 24;
                return true;
            }
            ReadOnlySpan<byte> digits = text.Slice(slash + 1);
            if (digits.IsEmpty || digits.Length > 2) return false;
            for (int i = 0; i < digits.Length; i++)
            {
                if (digits[i] < (byte)'0' || digits[i] > (byte)'9') return false;
                prefixLength = prefixLength * 10 + (digits[i] - '0');
            }
            return prefixLength >= 1 && prefixLength <= 32;
        }

        public static void Append(ref TextBuilder text, uint address)
        {
            text.Append((ulong)(address >> 24));
            text.Append('.');
            text.Append((ulong)(address >> 16 & 0xFF));
            text.Append('.');
            text.Append((ulong)(address >> 8 & 0xFF));
            text.Append('.');
            text.Append((ulong)(address & 0xFF));
        }
    }
}
