using System;

namespace Unikernel.Core.Text
{
    // UTF-16 to UTF-8 for byte-oriented consoles. A lone surrogate becomes U+FFFD, as the BCL does.
    public static class Utf8Encoder
    {
        public const int MaxBytesPerChar = 4;

        // Encodes the whole text into output; the bytes written, or -1 when they do not fit.
        public static int Encode(ReadOnlySpan<char> text, Span<byte> output)
        {
            Span<byte> one = stackalloc byte[MaxBytesPerChar];
            int n = 0;
            for (int i = 0; i < text.Length;)
            {
                int k = EncodeNext(text, ref i, one);
                if (k > output.Length - n) return -1;
                one.Slice(0, k).CopyTo(output.Slice(n));
                n += k;
            }
            return n;
        }

        // Encodes text[index] (and its low surrogate when it starts a pair) into output; returns bytes
        // written and advances index past what it consumed.
        public static int EncodeNext(ReadOnlySpan<char> text, ref int index, Span<byte> output)
        {
            uint c = text[index++];
            if (c >= 0xD800 && c <= 0xDBFF && index < text.Length && text[index] >= 0xDC00 && text[index] <= 0xDFFF)
            {
                c = 0x10000 + ((c - 0xD800) << 10) + (uint)(text[index++] - 0xDC00);
            }
            else if (c >= 0xD800 && c <= 0xDFFF)
            {
                c = 0xFFFD;
            }

            if (c < 0x80)
            {
                output[0] = (byte)c;
                return 1;
            }
            if (c < 0x800)
            {
                output[0] = (byte)(0xC0 | (c >> 6));
                output[1] = (byte)(0x80 | (c & 0x3F));
                return 2;
            }
            if (c < 0x10000)
            {
                output[0] = (byte)(0xE0 | (c >> 12));
                output[1] = (byte)(0x80 | ((c >> 6) & 0x3F));
                output[2] = (byte)(0x80 | (c & 0x3F));
                return 3;
            }
            output[0] = (byte)(0xF0 | (c >> 18));
            output[1] = (byte)(0x80 | ((c >> 12) & 0x3F));
            output[2] = (byte)(0x80 | ((c >> 6) & 0x3F));
            output[3] = (byte)(0x80 | (c & 0x3F));
            return 4;
        }
    }
}
