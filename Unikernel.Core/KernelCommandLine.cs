using System;
using Unikernel.Core.Text;

namespace Unikernel.Core
{
    // The guest command line: space-separated words, each "key" or "key=value", as Linux reads its own.
    // Looks things up in place; nothing is copied or allocated.
    public readonly ref struct KernelCommandLine
    {
        private readonly ReadOnlySpan<byte> _text;

        public KernelCommandLine(ReadOnlySpan<byte> text) => _text = text;

        public ReadOnlySpan<byte> Text => _text;

        // Finds the last occurrence of key (later words override earlier ones, as in Linux).
        // A bare "key" yields an empty value and HasValue false.
        public bool TryGet(ReadOnlySpan<char> key, out ReadOnlySpan<byte> value, out bool hasValue)
        {
            value = default;
            hasValue = false;
            bool found = false;
            int i = 0;
            while (i < _text.Length)
            {
                while (i < _text.Length && _text[i] == (byte)' ') i++;
                int start = i;
                while (i < _text.Length && _text[i] != (byte)' ') i++;
                var word = _text.Slice(start, i - start);
                if (word.IsEmpty) break;

                int eq = word.IndexOf((byte)'=');
                var name = eq < 0 ? word : word.Slice(0, eq);
                if (Equals(name, key))
                {
                    found = true;
                    hasValue = eq >= 0;
                    value = eq < 0 ? default : word.Slice(eq + 1);
                }
            }
            return found;
        }

        public bool Contains(ReadOnlySpan<char> key) => TryGet(key, out _, out _);

        // Linux's kstrtobool: 1/y/Y/on/true (and 0/n/N/off/false). A bare key means true.
        public static bool TryParseBool(ReadOnlySpan<byte> value, bool hasValue, out bool result)
        {
            result = true;
            if (!hasValue) return true;
            if (Equals(value, "1") || Equals(value, "y") || Equals(value, "Y") || Equals(value, "on") || Equals(value, "true")) return true;
            result = false;
            return Equals(value, "0") || Equals(value, "n") || Equals(value, "N") || Equals(value, "off") || Equals(value, "false");
        }

        // An unsigned number as Linux's kstrtoull with base 0 reads it: decimal, or hex after "0x". Rejects
        // empty values, stray characters and overflow.
        public static bool TryParseUInt64(ReadOnlySpan<byte> value, out ulong result)
        {
            result = 0;
            int i = 0;
            uint radix = 10;
            if (value.Length > 2 && value[0] == (byte)'0' && (value[1] | 0x20) == (byte)'x') { radix = 16; i = 2; }
            if (i >= value.Length) return false;
            for (; i < value.Length; i++)
            {
                uint digit = DigitValue(value[i]);
                if (digit >= radix) { result = 0; return false; }
                if (result > (ulong.MaxValue - digit) / radix) { result = 0; return false; }
                result = result * radix + digit;
            }
            return true;
        }

        private static uint DigitValue(byte c)
        {
            if (c >= (byte)'0' && c <= (byte)'9') return (uint)(c - '0');
            c |= 0x20;
            if (c >= (byte)'a' && c <= (byte)'f') return (uint)(c - 'a' + 10);
            return uint.MaxValue;
        }

        // Reads a boolean option the way Linux's xen_parse_512gb does: a bare key means true, key=value goes
        // through kstrtobool, a missing key or an unparsable value leaves defaultValue.
        public BoolOption GetBool(ReadOnlySpan<char> key, bool defaultValue)
        {
            var option = new BoolOption { Value = defaultValue };
            if (!TryGet(key, out var value, out bool hasValue)) return option;
            option.Found = true;
            if (TryParseBool(value, hasValue, out bool parsed)) option.Value = parsed;
            else option.BadValue = true;
            return option;
        }

        // True when bytes are text in UTF-8 (a lone surrogate standing for U+FFFD, as Utf8Encoder writes it).
        public static bool Equals(ReadOnlySpan<byte> bytes, ReadOnlySpan<char> text)
        {
            if (bytes.Length < text.Length) return false; // a char takes at least a byte
            Span<byte> encoded = stackalloc byte[Utf8Encoder.MaxBytesPerChar];
            int at = 0;
            for (int i = 0; i < text.Length;)
            {
                int n = Utf8Encoder.EncodeNext(text, ref i, encoded);
                if (n > bytes.Length - at) return false;
                if (!bytes.Slice(at, n).SequenceEqual(encoded.Slice(0, n))) return false;
                at += n;
            }
            return at == bytes.Length;
        }
    }
}
