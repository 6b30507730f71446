using System;
using System.Collections.Generic;
using System.Text;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Text;

public class Utf8EncoderTests
{
    private static byte[] Encode(string text)
    {
        var output = new List<byte>();
        var buffer = new byte[Utf8Encoder.MaxBytesPerChar];
        int i = 0;
        while (i < text.Length)
        {
            int n = Utf8Encoder.EncodeNext(text, ref i, buffer);
            output.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        return output.ToArray();
    }

    [Theory]
    [InlineData("plain ascii")]
    [InlineData("caf\u00e9 \u20ac")]
    [InlineData("\U0001F600 emoji")]
    [InlineData("lone \ud800 high")]
    [InlineData("lone \udc00 low")]
    [InlineData("end \ud83d")]
    public void Matches_the_BCL(string text) => Assert.Equal(Encoding.UTF8.GetBytes(text), Encode(text));

    [Fact]
    public void Random_text_matches_the_BCL()
    {
        var random = new Random(42);
        for (int round = 0; round < 2000; round++)
        {
            var chars = new char[random.Next(0, 40)];
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)random.Next(0, 0x10000);
            var text = new string(chars);
            Assert.Equal(Encoding.UTF8.GetBytes(text), Encode(text));
        }
    }

    // The whole-text form: the BCL's bytes when they fit, -1 when they do not, with every room from too small
    // by one to exactly enough.
    [Fact]
    public void Encode_writes_the_BCL_bytes_or_says_they_do_not_fit()
    {
        var random = new Random(7);
        for (int round = 0; round < 2000; round++)
        {
            var chars = new char[random.Next(0, 24)];
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)(random.Next(2) == 0 ? random.Next(0, 0x80) : random.Next(0, 0x10000));
            var text = new string(chars);
            byte[] expected = Encoding.UTF8.GetBytes(text);
            var output = new byte[expected.Length + 8];
            Assert.Equal(expected.Length, Utf8Encoder.Encode(text, output.AsSpan(0, expected.Length)));
            Assert.Equal(expected, output[..expected.Length]);
            if (expected.Length > 0) Assert.Equal(-1, Utf8Encoder.Encode(text, output.AsSpan(0, expected.Length - 1)));
        }
    }
}
