using System;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;
using Internal;
using Unikernel.Tests.Core;

namespace Unikernel.Tests.Corlib;

// The corlib's int/uint/long/ulong TryParse and TryFormat (Unikernel.Boot/Corlib/Internal/IntegerText.cs,
// linked into this project) against .NET's own with NumberStyles.Integer and the invariant culture: text
// built from digits, signs, whitespace, NULs and stray characters around numbers near each type's limits,
// as chars and as UTF-8.
public class IntegerTextPropertyTests
{
    private static readonly Gen<string> Numbers = Gen.OneOf(
        Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.ULong.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.Int.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.UInt.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.OneOf("2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "18446744073709551615", "18446744073709551616", "99999999999999999999", "0", "-0", "+0", "000000000000000000000042"));

    private static readonly Gen<string> Pieces = Gen.Frequency(
        (4, (IGen<string>)Numbers),
        (4, Gen.OneOf("", " ", "  ", "\t", "\n", "\r", "\v", "\f", "\0", "\0\0", "+", "-", "--", "+-", "0", "7", "00", "a", "x", "0x1",
            "\u00a0", "\u2212", "\u0660", "\uff11", "1_000", "1,000", "1.0", "e3", "é")),
        (1, Gen.Char.Array[0, 3].Select(chars => new string(chars))));

    private static readonly Gen<string> Texts = Pieces.Array[0, 4].Select(pieces => string.Concat(pieces));

    private const NumberStyles Integer = NumberStyles.Integer;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    [Fact]
    public void Parsing_chars_matches_dotnet() => Property.Check(Texts, text => ParsesAsDotnet(text, null), Show);

    [Fact]
    public void Parsing_utf8_matches_dotnet() => Property.Check(Texts, text => ParsesAsDotnet(null, Encoding.UTF8.GetBytes(text)), Show);

    // Each type's .NET result against the corlib's, for chars or (when given) UTF-8 bytes.
    private static void ParsesAsDotnet(string? chars, byte[]? utf8)
    {
        Assert.Equal(utf8 == null ? (int.TryParse(chars, Integer, Invariant, out int i), i) : (int.TryParse(utf8, Integer, Invariant, out i), i),
            (Signed(chars, utf8, int.MaxValue, out long v), (int)v));
        Assert.Equal(utf8 == null ? (long.TryParse(chars, Integer, Invariant, out long l), l) : (long.TryParse(utf8, Integer, Invariant, out l), l),
            (Signed(chars, utf8, long.MaxValue, out v), v));
        Assert.Equal(utf8 == null ? (uint.TryParse(chars, Integer, Invariant, out uint u), u) : (uint.TryParse(utf8, Integer, Invariant, out u), u),
            (Unsigned(chars, utf8, uint.MaxValue, out ulong m), (uint)m));
        Assert.Equal(utf8 == null ? (ulong.TryParse(chars, Integer, Invariant, out ulong ul), ul) : (ulong.TryParse(utf8, Integer, Invariant, out ul), ul),
            (Unsigned(chars, utf8, ulong.MaxValue, out m), m));
    }

    private static bool Signed(string? chars, byte[]? utf8, ulong max, out long value) =>
        utf8 == null ? IntegerText.TryParseSigned(chars.AsSpan(), max, out value) : IntegerText.TryParseSigned<byte>(utf8, max, out value);

    private static bool Unsigned(string? chars, byte[]? utf8, ulong max, out ulong value) =>
        utf8 == null ? IntegerText.TryParse(chars.AsSpan(), max, 0, out value, out _) : IntegerText.TryParse<byte>(utf8, max, 0, out value, out _);

    // A value into a destination of a random length (too short too): the result, the count and the text.
    [Fact]
    public void Formatting_matches_dotnet() =>
        Property.Check(Gen.Select(Gen.OneOf(Gen.Long, Gen.Long[-1000, 1000], Gen.OneOf(Gen.Const(long.MinValue), Gen.Const(long.MaxValue))), Gen.Int[0, 22]), input =>
        {
            var (value, room) = input;
            Span<char> want = stackalloc char[room], got = stackalloc char[room];
            Span<byte> wantUtf8 = stackalloc byte[room], gotUtf8 = stackalloc byte[room];
            bool wantOk = value.TryFormat(want, out int wantCount, default, Invariant);
            bool gotOk = IntegerText.TryFormat(value < 0, IntegerText.Magnitude(value), got, out int gotCount);
            Assert.Equal((wantOk, wantCount, want.Slice(0, wantCount).ToString()), (gotOk, gotCount, got.Slice(0, gotCount).ToString()));
            wantOk = value.TryFormat(wantUtf8, out wantCount, default, Invariant);
            gotOk = IntegerText.TryFormat(value < 0, IntegerText.Magnitude(value), gotUtf8, out gotCount);
            Assert.Equal((wantOk, wantCount), (gotOk, gotCount));
            Assert.True(wantUtf8.Slice(0, wantCount).SequenceEqual(gotUtf8.Slice(0, gotCount)));

            ulong unsigned = (ulong)value;
            Assert.Equal(unsigned.TryFormat(want, out wantCount, default, Invariant), IntegerText.TryFormat(false, unsigned, got, out gotCount));
            Assert.Equal(want.Slice(0, wantCount).ToString(), got.Slice(0, gotCount).ToString());
        });

    [Theory]
    [InlineData(" -42 ", true, -42)]
    [InlineData("+7\0\0", true, 7)]
    [InlineData("-2147483648", true, int.MinValue)]
    [InlineData("2147483648", false, 0)]
    [InlineData("1 2", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("-", false, 0)]
    public void Int32_examples(string text, bool ok, int value)
    {
        Assert.Equal(ok, IntegerText.TryParseSigned(text.AsSpan(), int.MaxValue, out long got));
        Assert.Equal(value, (int)got);
    }

    [Fact]
    public void Unsigned_takes_minus_zero_only()
    {
        Assert.True(IntegerText.TryParse("-0".AsSpan(), uint.MaxValue, 0, out ulong m, out _));
        Assert.Equal(0UL, m);
        Assert.False(IntegerText.TryParse("-1".AsSpan(), uint.MaxValue, 0, out _, out _));
    }

    private static string Show(string text) => string.Concat(text.Select(c => c < 0x20 || c > 0x7e ? $"\\u{(int)c:x4}" : c.ToString()));
}
