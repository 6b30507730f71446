using System;
using System.Text;
using Unikernel.Core.Protocols;

namespace Unikernel.Tests.Core.Protocols;

public class RespReplyTests
{
    private static string Write(Func<byte[], int> write)
    {
        var buffer = new byte[64];
        int n = write(buffer);
        return n < 0 ? "<too small>" : Encoding.Latin1.GetString(buffer, 0, n);
    }

    [Fact]
    public void WritesEachKindAsRedisDoes()
    {
        Assert.Equal("+OK\r\n", Write(b => RespReply.Simple(b, "OK")));
        Assert.Equal("-ERR unknown command 'x'\r\n", Write(b => RespReply.Error(b, "ERR unknown command 'x'")));
        Assert.Equal(":42\r\n", Write(b => RespReply.Integer(b, 42)));
        Assert.Equal(":-9223372036854775808\r\n", Write(b => RespReply.Integer(b, long.MinValue)));
        Assert.Equal("*3\r\n", Write(b => RespReply.ArrayHeader(b, 3)));
        Assert.Equal("$-1\r\n", Write(b => RespReply.NullBulk(b)));
        Assert.Equal("$5\r\nhello\r\n", Write(b => RespReply.Bulk(b, "hello"u8)));
        Assert.Equal("$0\r\n\r\n", Write(b => RespReply.Bulk(b, ReadOnlySpan<byte>.Empty)));
        Assert.Equal("-ERR a b\r\n", Write(b => RespReply.Error(b, "ERR a\nb")));
    }

    [Fact]
    public void ABufferTooSmallGetsNothing()
    {
        Assert.Equal(-1, RespReply.Bulk(new byte[6], "hello"u8));
        Assert.Equal(-1, RespReply.Simple(new byte[3], "OK"));
        Assert.Equal(-1, RespReply.Integer(new byte[3], 100));
    }
}
