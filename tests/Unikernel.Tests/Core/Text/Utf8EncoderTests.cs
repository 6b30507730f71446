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
}
