using System;
using System.Net;
using System.Text;
using CsCheck;
using Unikernel.Core.Net;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Net;

public class Ipv4TextTests
{
    [Theory]
    [InlineData("169.254.0.2", 0xA9FE0002u, 16)]
    [InlineData("169.254.0.2/24", 0xA9FE0002u, 24)]
    [InlineData("10.0.0.1", 0x0A000001u, 24)]
    [InlineData("255.255.255.255/32", 0xFFFFFFFFu, 32)]
    public void ReadsAddressesAndPrefixes(string text, uint address, int prefix)
    {
        Assert.True(Ipv4Text.TryParseWithPrefix(Encoding.ASCII.GetBytes(text), out uint a, out int p));
        Assert.Equal((address, prefix), (a, p));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.")]
    [InlineData("1.2.3.256")]
    [InlineData("1..3.4")]
    [InlineData("1.2.3.0004")]
    [InlineData("1.2.3.4/")]
    [InlineData("1.2.3.4/33")]
    [InlineData("1.2.3.4/0")]
    [InlineData("1.2.3.4/x")]
    [InlineData(" 1.2.3.4")]
    public void RefusesMalformedText(string text) =>
        Assert.False(Ipv4Text.TryParseWithPrefix(Encoding.ASCII.GetBytes(text), out _, out _));

    [Fact]
    public void AgreesWithTheBclOnEveryAddress()
    {
        Property.Check(Gen.UInt, address =>
        {
            Span<char> buffer = stackalloc char[16];
            var text = new TextBuilder(buffer);
            Ipv4Text.Append(ref text, address);
            string written = text.Text.ToString();
            Assert.Equal(new IPAddress(new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address }).ToString(), written);
            Assert.True(Ipv4Text.TryParse(Encoding.ASCII.GetBytes(written), out uint back));
            Assert.Equal(address, back);
        });
    }
}
