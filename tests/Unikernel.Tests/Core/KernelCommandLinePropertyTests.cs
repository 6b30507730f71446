using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text;
using CsCheck;
using Unikernel.Core;

namespace Unikernel.Tests.Core;

// The command line as the toolstack hands it over: random bytes built from words, '=', spaces, quotes,
// tabs, UTF-8 and stray non-UTF-8 bytes, looked up with random keys (empty, non-ASCII, with '=' or a
// space in them), against a model of KernelCommandLine's contract: words split at spaces (a quote is an
// ordinary byte), "key" or "key=value" with the key up to the first '=' matched as UTF-8, the last word
// wins; booleans exactly 1/y/Y/on/true or 0/n/N/off/false; numbers decimal or hex after "0x" below 2^64.
public class KernelCommandLinePropertyTests
{
    private static readonly Gen<byte[]> Pieces = Gen.Frequency(
        (6, (IGen<byte[]>)Gen.OneOf("a", "b", "k", "mode", "é", "€", "=", "==", " ", "   ", "\"", "\"a b\"", "\t", "\n",
            "1", "0", "y", "Y", "n", "N", "on", "off", "true", "false", "yes", "ON", "t", "x", "").Select(Encoding.UTF8.GetBytes)),
        (1, Gen.OneOf(new byte[] { 0xE9 }, new byte[] { 0xC3 }, new byte[] { 0xFF }, new byte[] { 0 }, new byte[] { 0xED, 0xA0, 0x80 })),
        (1, Gen.Byte.Array[1, 3]));

    private static readonly Gen<byte[]> CommandLines = Pieces.Array[0, 24].Select(pieces => pieces.SelectMany(p => p).ToArray());

    private static readonly Gen<string> Keys = Gen.Frequency(
        (4, (IGen<string>)Gen.OneOf("a", "b", "k", "mode", "é", "€", "", "a b", "a=b", "\"", "\"a", "ÿ", "\ud800", "\u00c3\u00a9", "true", "k\t", "\0")),
        (1, Gen.Char["ab=\" é\t\u20ac"].Array[0, 3].Select(chars => new string(chars))));

    [Fact]
    public void Lookups_match_the_model() =>
        Property.Check(Gen.Select(CommandLines, Keys), input =>
        {
            var (text, key) = input;
            var line = new KernelCommandLine(text);
            bool found = line.TryGet(key, out ReadOnlySpan<byte> value, out bool hasValue);
            var expected = Model(text, key);

            Assert.Equal(expected.Found, found);
            Assert.Equal(expected.HasValue, hasValue);
            Assert.True(value.SequenceEqual(expected.Value), $"value \"{Convert.ToHexString(value)}\", the model says \"{Convert.ToHexString(expected.Value)}\"");
            if (!value.IsEmpty) Assert.True(((ReadOnlySpan<byte>)text).Overlaps(value, out int offset) && offset >= 0 && offset + value.Length <= text.Length, "value outside the command line");
            Assert.Equal(found, line.Contains(key));

            foreach (bool defaultValue in new[] { false, true })
            {
                BoolOption option = line.GetBool(key, defaultValue);
                bool? parsed = !expected.Found ? null : !expected.HasValue ? true : ParseBool(expected.Value);
                Assert.Equal(expected.Found, option.Found);
                Assert.Equal(expected.Found && parsed == null, option.BadValue);
                Assert.Equal(parsed ?? defaultValue, option.Value);
            }
        }, input => $"\"{Printable(input.Item1)}\" key \"{input.Item2}\"");

    private static readonly Gen<byte[]> Numbers = Gen.Frequency(
        (4, (IGen<byte[]>)Gen.Char["0123456789"].Array[0, 22].Select(Ascii)),
        (3, Gen.Select(Gen.OneOf("0x", "0X"), Gen.Char["0123456789abcdefABCDEF"].Array[0, 18], (prefix, digits) => Ascii(prefix.ToCharArray().Concat(digits).ToArray()))),
        (2, Gen.Char["0123456789abcdefxX+- \0"].Array[0, 8].Select(Ascii)),
        (1, Gen.OneOf(ulong.MaxValue.ToString(), "18446744073709551616", "0xffffffffffffffff", "0x10000000000000000", "00000000000000000000018446744073709551615", "0x0000000000000000000001").Select(Encoding.ASCII.GetBytes)),
        (1, Gen.Byte.Array[0, 6]));

    [Fact]
    public void Numbers_match_the_model() =>
        Property.Check(Numbers, text =>
        {
            bool ok = KernelCommandLine.TryParseUInt64(text, out ulong value);
            ulong? expected = ParseNumber(text);
            Assert.Equal(expected != null, ok);
            Assert.Equal(expected ?? 0, value);
        }, text => $"\"{Printable(text)}\"");

    private static (bool Found, bool HasValue, byte[] Value) Model(byte[] text, string key)
    {
        byte[] name = Encoding.UTF8.GetBytes(key);
        var result = (Found: false, HasValue: false, Value: Array.Empty<byte>());
        foreach (byte[] word in Split(text))
        {
            int eq = Array.IndexOf(word, (byte)'=');
            if (!(eq < 0 ? word : word[..eq]).AsSpan().SequenceEqual(name)) continue;
            result = (true, eq >= 0, eq < 0 ? Array.Empty<byte>() : word[(eq + 1)..]);
        }
        return result;
    }

    private static IEnumerable<byte[]> Split(byte[] text)
    {
        var word = new List<byte>();
        foreach (byte b in text.Append((byte)' '))
        {
            if (b != ' ') { word.Add(b); continue; }
            if (word.Count > 0) yield return word.ToArray();
            word.Clear();
        }
    }

    private static bool? ParseBool(byte[] value) => Encoding.Latin1.GetString(value) switch
    {
        "1" or "y" or "Y" or "on" or "true" => true,
        "0" or "n" or "N" or "off" or "false" => false,
        _ => null,
    };

    private static ulong? ParseNumber(byte[] text)
    {
        string s = Encoding.Latin1.GetString(text);
        bool hex = s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        string digits = hex ? s[2..] : s;
        string allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
        if (digits.Length == 0 || digits.Any(c => !allowed.Contains(c))) return null;
        BigInteger n = digits.Aggregate(BigInteger.Zero, (acc, c) => acc * (hex ? 16 : 10) + Convert.ToInt32(c.ToString(), 16));
        return n <= ulong.MaxValue ? (ulong)n : null;
    }

    private static byte[] Ascii(char[] chars) => chars.Select(c => (byte)c).ToArray();

    private static string Printable(byte[] bytes) =>
        string.Concat(bytes.Select(b => b >= 0x20 && b < 0x7f && b != '"' ? ((char)b).ToString() : $"\\x{b:x2}"));
}
