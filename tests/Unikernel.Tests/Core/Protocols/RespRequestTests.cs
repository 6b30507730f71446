using System;
using System.Linq;
using System.Text;
using CsCheck;
using Unikernel.Core.Protocols;

namespace Unikernel.Tests.Core.Protocols;

public class RespRequestTests
{
    private const int MaxBulk = 1 << 20, MaxInline = 64 * 1024;

    private static (RespParseStatus Status, string[] Args, int Consumed, string? Error, int Needed) Parse(byte[] input, int maxArgs = 16)
    {
        var args = new RespArgument[maxArgs];
        var r = RespRequest.Parse(input, args, MaxBulk, MaxInline);
        var values = args.Take(r.Status == RespParseStatus.Complete ? r.Count : 0).Select(a => Encoding.Latin1.GetString(input, a.Start, a.Length)).ToArray();
        return (r.Status, values, r.Consumed, r.Error, r.Needed);
    }

    private static byte[] MultiBulk(params string[] args)
    {
        var sb = new StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args) sb.Append($"${Encoding.Latin1.GetByteCount(a)}\r\n{a}\r\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    [Fact]
    public void ReadsWhatRedisCliSends()
    {
        var r = Parse(MultiBulk("SET", "key", "hello world"));
        Assert.Equal(RespParseStatus.Complete, r.Status);
        Assert.Equal(new[] { "SET", "key", "hello world" }, r.Args);
        Assert.Equal(MultiBulk("SET", "key", "hello world").Length, r.Consumed);
    }

    [Fact]
    public void ReadsInlineRequestsWithOrWithoutCr()
    {
        Assert.Equal(new[] { "GET", "a" }, Parse("GET  a\r\nrest"u8.ToArray()).Args);
        Assert.Equal(8, Parse("GET  a\r\nrest"u8.ToArray()).Consumed);
        Assert.Equal(new[] { "PING" }, Parse("PING\n"u8.ToArray()).Args);
        var empty = Parse("\r\n"u8.ToArray());
        Assert.Equal((RespParseStatus.Complete, 0, 2), (empty.Status, empty.Args.Length, empty.Consumed));
    }

    [Fact]
    public void PipelinedRequestsAreReadOneAtATime()
    {
        byte[] two = MultiBulk("GET", "a").Concat(MultiBulk("GET", "b")).ToArray();
        var first = Parse(two);
        Assert.Equal(new[] { "GET", "a" }, first.Args);
        var second = Parse(two[first.Consumed..]);
        Assert.Equal(new[] { "GET", "b" }, second.Args);
        Assert.Equal(two.Length - first.Consumed, second.Consumed);
    }

    [Fact]
    public void AnIncompleteBulkSaysHowManyBytesItNeeds()
    {
        byte[] whole = MultiBulk("SET", "k", new string('x', 100_000));
        var r = Parse(whole[..200]);
        Assert.Equal(RespParseStatus.Incomplete, r.Status);
        Assert.Equal(whole.Length, r.Needed);
    }

    [Theory]
    [InlineData("*2\r\n$3\r\nGET\r\n:1\r\n", "expected '$'")]
    [InlineData("*1\r\n$-5\r\n", "invalid count or length")]
    [InlineData("*1\r\n$3\r\nGETX\r\n", "does not end with CRLF")]
    [InlineData("*x\r\n", "invalid count or length")]
    [InlineData("*1\r\n$99999999999\r\n", "invalid count or length")]
    [InlineData("*1\rX", "expected LF after CR")]
    [InlineData("*100\r\n", "too many arguments")]
    [InlineData("*11111111111111111111111111111111111", "too long")]
    [InlineData("*1\r\n$2000000\r\n", "invalid bulk length")]
    public void BrokenRequestsAreRefusedWithAReason(string input, string reason)
    {
        var r = Parse(Encoding.Latin1.GetBytes(input));
        Assert.Equal(RespParseStatus.Error, r.Status);
        Assert.Contains(reason, r.Error);
    }

    [Fact]
    public void TooLongInlineLinesAreRefused()
    {
        var r = Parse(Enumerable.Repeat((byte)'a', MaxInline + 10).ToArray());
        Assert.Equal(RespParseStatus.Error, r.Status);
    }

    private static readonly Gen<string[]> Requests =
        Gen.String[Gen.Char[(char)0, (char)255], 0, 300].Array[1, 16];

    [Fact]
    public void EveryMultiBulkRequestRoundTripsAndEveryPrefixIsIncomplete()
    {
        Core.Property.Check(Requests, args =>
        {
            byte[] bytes = MultiBulk(args);
            var r = Parse(bytes);
            Assert.Equal(RespParseStatus.Complete, r.Status);
            Assert.Equal(args, r.Args);
            Assert.Equal(bytes.Length, r.Consumed);
            int cut = bytes.Length / 2;
            var partial = Parse(bytes[..cut]);
            Assert.Equal(RespParseStatus.Incomplete, partial.Status);
            Assert.InRange(partial.Needed, cut + 1, bytes.Length);
        });
    }

    [Fact]
    public void ArbitraryOrMutatedBytesNeverReadOutsideTheInput()
    {
        var gen = Gen.OneOf(
            Gen.Byte.Array[0, 200],
            Gen.Select(Requests, Gen.Int[0, 10_000], Gen.Byte, (args, at, value) =>
            {
                byte[] bytes = MultiBulk(args);
                bytes[at % bytes.Length] = value;
                return bytes;
            }));
        Core.Property.Check(gen, bytes =>
        {
            var r = Parse(bytes);
            if (r.Status == RespParseStatus.Complete)
            {
                Assert.InRange(r.Consumed, 1, bytes.Length);
            }
            else if (r.Status == RespParseStatus.Error) Assert.False(string.IsNullOrEmpty(r.Error));
        });
    }
}
