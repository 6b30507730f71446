using Unikernel.Core.Net.Tcp;
using Xunit;

namespace Unikernel.Tests.Core.Net.Tcp;

// How the rings are laid out in blocks for a platform whose page runs are short (InitSplit).
public sealed class TcpRingLayoutTests
{
    private static TcpConfig Config(int connections, int send, int receive)
    {
        TcpConfig config = TcpConfig.Default(0xA9FE0002, 1);
        config.MaxConnections = connections;
        config.SendBufferBytes = send;
        config.ReceiveBufferBytes = receive;
        return config;
    }

    [Theory]
    [InlineData(64, 128 * 1024, 128 * 1024, 16, 4)]     // the guest's 48 MiB tier: 4 connections a block
    [InlineData(64, 128 * 1024, 64 * 1024, 13, 5)]
    [InlineData(64, 64 * 1024, 64 * 1024, 8, 8)]
    [InlineData(64, 256 * 1024, 64 * 1024, 22, 3)]      // a larger send buffer: 3 a block, more blocks than 8
    [InlineData(8, 8 * 1024, 8 * 1024, 1, 8)]           // all in one block, no larger than they need
    [InlineData(1, 1 << 20, 0, 0, 0)]                   // not valid (no receive buffer)
    public void BlocksHoldWholeConnections(int connections, int send, int receive, int blocks, int perBlock)
    {
        TcpConfig config = Config(connections, send, receive);
        Assert.Equal(blocks, TcpStack.RingBlocks(config, 1 << 20, out nuint blockBytes));
        Assert.Equal((nuint)perBlock * (blocks == 0 ? 0 : TcpStack.RingBytes(config)), blockBytes);
    }

    [Fact]
    public void ConnectionLargerThanABlockIsRefused()
    {
        TcpConfig config = Config(4, 1 << 20, 64 * 1024);
        Assert.Equal(0, TcpStack.RingBlocks(config, 1 << 20, out nuint blockBytes));
        Assert.Equal((nuint)0, blockBytes);
    }
}
