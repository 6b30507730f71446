using System.Text;
using Unikernel.Core;

namespace Unikernel.Tests.Core;

public class KernelCommandLineTests
{
    private static (bool found, string value, bool hasValue) Get(string cmdline, string key)
    {
        var line = new KernelCommandLine(Encoding.ASCII.GetBytes(cmdline));
        bool found = line.TryGet(key, out var value, out bool hasValue);
        return (found, Encoding.ASCII.GetString(value), hasValue);
    }

    [Fact]
    public void Finds_key_value_pairs() => Assert.Equal((true, "runtime", true), Get("quiet mode=runtime x=1", "mode"));

    [Fact]
    public void Bare_key_has_no_value() => Assert.Equal((true, "", false), Get("xen_512gb_limit", "xen_512gb_limit"));

    [Fact]
    public void Later_words_override_earlier_ones() => Assert.Equal((true, "b", true), Get("k=a k=b", "k"));

    [Fact]
    public void Empty_value_is_a_value() => Assert.Equal((true, "", true), Get("k=", "k"));

    [Fact]
    public void Prefixes_do_not_match() => Assert.False(Get("modes=1 mod=2", "mode").found);

    [Fact]
    public void Extra_spaces_are_ignored() => Assert.Equal((true, "1", true), Get("   a=1   ", "a"));

    [Fact]
    public void Empty_command_line_has_nothing() => Assert.False(Get("", "a").found);

    // Keys are text and the command line UTF-8: before, a key char was compared with one byte, so "é"
    // matched the lone (invalid UTF-8) byte 0xE9 and never "é" as UTF-8 writes it.
    [Fact]
    public void Non_ascii_keys_match_their_utf8_bytes()
    {
        var line = new KernelCommandLine(Encoding.UTF8.GetBytes("clé=1 €=2"));
        Assert.True(line.TryGet("clé", out var value, out _));
        Assert.Equal("1", Encoding.UTF8.GetString(value));
        Assert.True(line.TryGet("€", out value, out _));
        Assert.Equal("2", Encoding.UTF8.GetString(value));
        Assert.False(new KernelCommandLine(new byte[] { 0xE9, (byte)'=', (byte)'1' }).Contains("é"));
    }

    [Theory]
    [InlineData("1", true, true)]
    [InlineData("on", true, true)]
    [InlineData("true", true, true)]
    [InlineData("y", true, true)]
    [InlineData("0", true, false)]
    [InlineData("off", true, false)]
    [InlineData("false", true, false)]
    [InlineData("N", true, false)]
    public void Parses_booleans_like_linux(string text, bool ok, bool expected)
    {
        Assert.Equal(ok, KernelCommandLine.TryParseBool(Encoding.ASCII.GetBytes(text), true, out bool value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void Bare_boolean_is_true()
    {
        Assert.True(KernelCommandLine.TryParseBool(default, false, out bool value));
        Assert.True(value);
    }

    [Fact]
    public void Garbage_boolean_is_rejected() =>
        Assert.False(KernelCommandLine.TryParseBool(Encoding.ASCII.GetBytes("garbage"), true, out _));

    [Theory]
    [InlineData("0", true, 0UL)]
    [InlineData("42", true, 42UL)]
    [InlineData("0x2A", true, 42UL)]
    [InlineData("0xffffffffffffffff", true, ulong.MaxValue)]
    [InlineData("18446744073709551615", true, ulong.MaxValue)]
    [InlineData("18446744073709551616", false, 0UL)]
    [InlineData("0x10000000000000000", false, 0UL)]
    [InlineData("", false, 0UL)]
    [InlineData("0x", false, 0UL)]
    [InlineData("12a", false, 0UL)]
    [InlineData("-1", false, 0UL)]
    public void Parses_numbers_like_kstrtoull(string text, bool ok, ulong expected)
    {
        Assert.Equal(ok, KernelCommandLine.TryParseUInt64(Encoding.ASCII.GetBytes(text), out ulong value));
        Assert.Equal(expected, value);
    }
}
