using System;
using System.Globalization;
using CsCheck;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core;

// text.Append($"...") through TextBuilder.AppendInterpolatedHandler, compared with what .NET prints for the
// same interpolated string (invariant culture).
public class TextBuilderInterpolationTests
{
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Every_hole_type_appends_as_dotnet_prints_it()
    {
        string name = "probe";
        string? nothing = null;
        ReadOnlySpan<char> span = "span text".AsSpan(0, 4);
        char c = 'Z';
        bool yes = true, no = false;
        int i = -42;
        uint u = 4_000_000_000;
        long l = -9_000_000_000;
        ulong ul = ulong.MaxValue;
        var text = new TextBuilder(new char[200]);

        text.Append($"s={name} null=[{nothing}] span={span} c={c} b={yes}/{no} i={i} u={u} l={l} ul={ul}");

        Assert.Equal(Invariant($"s={name} null=[{nothing}] span=span c={c} b={yes}/{no} i={i} u={u} l={l} ul={ul}"), text.Text.ToString());
        Assert.False(text.Truncated);
    }

    [Fact]
    public void Appends_after_what_is_there_and_continues_after_it()
    {
        var text = new TextBuilder(new char[64]);
        text.Append("start ");
        text.Append($"n={7}");
        text.Append(' ');
        text.Append($"m={8}");
        Assert.Equal("start n=7 m=8", text.Text.ToString());
    }

    [Fact]
    public void A_hole_free_interpolated_string_is_a_plain_append()
    {
        var text = new TextBuilder(new char[16]);
        text.Append($"constant");
        Assert.Equal("constant", text.Text.ToString());
    }

    [Fact]
    public void Hex_formats_match_dotnet_and_carry_no_prefix()
    {
        int minusOne = -1;
        long longMinusOne = -1;
        uint u = 0xdeadbeef;
        ulong address = 0x1f2e;
        var text = new TextBuilder(new char[200]);

        text.Append($"{address:x} {address:X} {address:x8} {address:X8} {minusOne:x} {longMinusOne:x} {u:X} {0:x} {0:x4} {address:x1} {address:x0}");

        Assert.Equal("1f2e 1F2E 00001f2e 00001F2E ffffffff ffffffffffffffff DEADBEEF 0 0000 1f2e 1f2e", text.Text.ToString());
        Assert.Equal(Invariant($"{address:x} {address:X} {address:x8} {address:X8} {minusOne:x} {longMinusOne:x} {u:X} {0:x} {0:x4} {address:x1} {address:x0}"), text.Text.ToString());
    }

    [Fact]
    public void Decimal_formats_pad_after_the_sign()
    {
        int negative = -42;
        long big = 123;
        var text = new TextBuilder(new char[200]);

        text.Append($"{negative:d5} {negative:D} {big:d2} {big:D10} {negative:d}");

        Assert.Equal("-00042 -42 123 0000000123 -42", text.Text.ToString());
        Assert.Equal(Invariant($"{negative:d5} {negative:D} {big:d2} {big:D10} {negative:d}"), text.Text.ToString());
    }

    [Fact]
    public void Extremes_match_dotnet()
    {
        long min = long.MinValue, max = long.MaxValue;
        int intMin = int.MinValue;
        ulong top = ulong.MaxValue;
        var text = new TextBuilder(new char[400]);

        text.Append($"{min} {min:x} {min:X} {min:d25} {max} {max:x} {intMin} {intMin:x} {top} {top:x} {top:X20} {top:d99}");

        Assert.Equal(Invariant($"{min} {min:x} {min:X} {min:d25} {max} {max:x} {intMin} {intMin:x} {top} {top:x} {top:X20} {top:d99}"), text.Text.ToString());
        Assert.StartsWith("-9223372036854775808 8000000000000000 8000000000000000 -0000009223372036854775808 ", text.Text.ToString());
    }

    [Theory]
    [InlineData("N2")]
    [InlineData("g")]
    [InlineData("x100")]
    [InlineData("d123")]
    [InlineData("x-1")]
    [InlineData("xx")]
    [InlineData("0x")]
    [InlineData(" x")]
    public void An_unknown_format_shows_in_the_output_instead_of_the_value(string format)
    {
        var text = new TextBuilder(new char[64]);
        text.Append(255, format);
        Assert.Equal("{?" + format + "}", text.Text.ToString());
    }

    [Fact]
    public void An_unknown_format_in_an_interpolated_string_is_visible()
    {
        int n = 5;
        var text = new TextBuilder(new char[64]);
        text.Append($"n={n:N2} m={n:x}");
        Assert.Equal("n={?N2} m=5", text.Text.ToString());
    }

    [Fact]
    public void Every_integer_type_takes_a_format()
    {
        var text = new TextBuilder(new char[64]);
        text.Append(-1, "x");
        text.Append(' ');
        text.Append(uint.MaxValue, "X");
        text.Append(' ');
        text.Append(-1L, "x");
        text.Append(' ');
        text.Append(255UL, "x4");
        Assert.Equal("ffffffff FFFFFFFF ffffffffffffffff 00ff", text.Text.ToString());
    }

    [Fact]
    public void Text_that_does_not_fit_is_cut_and_flagged()
    {
        var text = new TextBuilder(new char[8]);
        text.Append($"abc{12345}xyz");
        Assert.Equal("abc12345", text.Text.ToString());
        Assert.True(text.Truncated);

        text.Append($"{1}");
        Assert.Equal("abc12345", text.Text.ToString());
        Assert.True(text.Truncated, "the flag stays set");
    }

    [Fact]
    public void A_cut_hole_is_cut_mid_value_like_any_append()
    {
        var text = new TextBuilder(new char[6]);
        text.Append($"x={0xabcdefL:x8}");
        Assert.Equal("x=00ab", text.Text.ToString());
        Assert.True(text.Truncated);
    }

    [Fact]
    public void A_builder_that_was_already_truncated_stays_flagged_after_an_interpolated_append()
    {
        var text = new TextBuilder(new char[4]);
        text.Append("12345");
        text.Clear();
        Assert.False(text.Truncated);
        text.Append("1234");
        text.Append('5');
        text.Append($"{6}");
        Assert.True(text.Truncated);
        Assert.Equal("1234", text.Text.ToString());
    }

    // Property-based: random values and random supported formats against .NET's own ToString(format).
    private static readonly Gen<string> Formats =
        Gen.Select(Gen.OneOf("", "d", "D", "x", "X"), Gen.Int[-1, 99], (kind, precision) =>
            kind.Length == 0 || precision < 0 ? kind : kind + precision.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public void Random_ints_match_dotnet() =>
        Gen.Select(Gen.Int, Formats).Sample((value, format) => Assert.Equal(value.ToString(format, CultureInfo.InvariantCulture), Format(value, format)));

    [Fact]
    public void Random_uints_match_dotnet() =>
        Gen.Select(Gen.UInt, Formats).Sample((value, format) => Assert.Equal(value.ToString(format, CultureInfo.InvariantCulture), Format(value, format)));

    [Fact]
    public void Random_longs_match_dotnet() =>
        Gen.Select(Gen.Long, Formats).Sample((value, format) => Assert.Equal(value.ToString(format, CultureInfo.InvariantCulture), Format(value, format)));

    [Fact]
    public void Random_ulongs_match_dotnet() =>
        Gen.Select(Gen.ULong, Formats).Sample((value, format) => Assert.Equal(value.ToString(format, CultureInfo.InvariantCulture), Format(value, format)));

    // The same interpolated string, compiled once against our handler and once against .NET's.
    [Fact]
    public void Random_interpolations_match_dotnet() =>
        Gen.Select(Gen.Int, Gen.Long, Gen.ULong, Gen.UInt).Sample((i, l, ul, u) =>
        {
            var text = new TextBuilder(new char[256]);
            text.Append($"i={i} {i:x} {i:X8} {i:d12} l={l} {l:x} {l:X16} {l:D21} ul={ul} {ul:x} {ul:x20} u={u} {u:X} {u:d10}");
            Assert.Equal(Invariant($"i={i} {i:x} {i:X8} {i:d12} l={l} {l:x} {l:X16} {l:D21} ul={ul} {ul:x} {ul:x20} u={u} {u:X} {u:d10}"), text.Text.ToString());
            Assert.False(text.Truncated);
        });

    private static string Format(int value, string format) { var text = new TextBuilder(new char[128]); text.Append(value, format); return text.Text.ToString(); }
    private static string Format(uint value, string format) { var text = new TextBuilder(new char[128]); text.Append(value, format); return text.Text.ToString(); }
    private static string Format(long value, string format) { var text = new TextBuilder(new char[128]); text.Append(value, format); return text.Text.ToString(); }
    private static string Format(ulong value, string format) { var text = new TextBuilder(new char[128]); text.Append(value, format); return text.Text.ToString(); }
}
