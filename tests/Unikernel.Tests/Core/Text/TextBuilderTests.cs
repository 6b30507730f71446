using System;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Text;

public class TextBuilderTests
{
    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(7UL, "7")]
    [InlineData(1234567890UL, "1234567890")]
    [InlineData(ulong.MaxValue, "18446744073709551615")]
    public void Formats_unsigned_decimal(ulong value, string expected)
    {
        var text = new TextBuilder(new char[32]);
        text.Append(value);
        Assert.Equal(expected, text.Text.ToString());
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(-1L)]
    [InlineData(-38L)]
    [InlineData(long.MaxValue)]
    public void Formats_signed_decimal_like_the_BCL(long value)
    {
        var text = new TextBuilder(new char[32]);
        text.Append(value);
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), text.Text.ToString());
    }

    [Theory]
    [InlineData(0UL, 1, "0x0")]
    [InlineData(0xdeadbeefUL, 1, "0xdeadbeef")]
    [InlineData(0x1fUL, 4, "0x001f")]
    [InlineData(ulong.MaxValue, 1, "0xffffffffffffffff")]
    public void Formats_hex(ulong value, int minDigits, string expected)
    {
        var text = new TextBuilder(new char[32]);
        text.AppendHex(value, minDigits);
        Assert.Equal(expected, text.Text.ToString());
    }

    [Fact]
    public void Cuts_off_and_reports_text_that_does_not_fit()
    {
        var text = new TextBuilder(new char[5]);
        text.Append("abc");
        Assert.False(text.Truncated);
        text.Append(123456UL);
        Assert.True(text.Truncated);
        Assert.Equal("abc12", text.Text.ToString());
    }

    [Fact]
    public void Random_numbers_match_the_BCL()
    {
        var random = new Random(1234);
        for (int i = 0; i < 10_000; i++)
        {
            long value = random.NextInt64(long.MinValue, long.MaxValue);
            var text = new TextBuilder(new char[32]);
            text.Append(value);
            Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), text.Text.ToString());
        }
    }
}
