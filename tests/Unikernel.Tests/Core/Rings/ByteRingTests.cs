using System;
using System.Linq;
using System.Runtime.InteropServices;
using Unikernel.Core.Rings;

namespace Unikernel.Tests.Core.Rings;

public sealed unsafe class ByteRingTests : IDisposable
{
    private const uint Size = 16;
    private readonly byte* _data = (byte*)NativeMemory.AllocZeroed(Size);
    private readonly uint* _indices = (uint*)NativeMemory.AllocZeroed(8);
    private uint* Producer => _indices;
    private uint* Consumer => _indices + 1;
    private ByteRing Ring => new(_data, Size, Producer, Consumer);

    public void Dispose()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_indices);
    }

    [Fact]
    public void Bytes_come_out_in_order_across_the_wrap_and_index_overflow()
    {
        *Producer = *Consumer = uint.MaxValue - 5; // free-running indices wrap too
        var ring = Ring;
        byte next = 0, expected = 0;
        for (int round = 0; round < 50; round++)
        {
            var chunk = Enumerable.Range(0, 1 + round % 11).Select(_ => next++).ToArray();
            Assert.Equal(chunk.Length, ring.Write(chunk));
            var output = new byte[chunk.Length];
            Assert.Equal(chunk.Length, ring.Read(output));
            foreach (byte b in output) Assert.Equal(expected++, b);
        }
        Assert.Equal(0, ring.Available);
    }

    [Fact]
    public void A_full_ring_takes_only_what_fits()
    {
        var ring = Ring;
        Assert.Equal((int)Size, ring.Write(new byte[40]));
        Assert.Equal(0, ring.Free);
        Assert.Equal(0, ring.Write(new byte[] { 1 }));
        ring.Consume(3);
        Assert.Equal(3, ring.Free);
        Assert.Equal(3, ring.Write(new byte[10]));
    }

    [Fact]
    public void Peek_does_not_consume_and_honours_the_offset()
    {
        var ring = Ring;
        ring.Write(new byte[] { 1, 2, 3, 4, 5 });
        var buffer = new byte[3];
        Assert.Equal(3, ring.Peek(buffer, 1));
        Assert.Equal(new byte[] { 2, 3, 4 }, buffer);
        Assert.Equal(2, ring.Peek(buffer, 3));
        Assert.Equal(0, ring.Peek(buffer, 5));
        Assert.Equal(5, ring.Available);
        ring.Consume(100); // never past what is there
        Assert.Equal(0, ring.Available);
        Assert.Equal(*Producer, *Consumer);
    }

    [Fact]
    public void Indices_claiming_more_than_the_ring_holds_are_corruption_not_data()
    {
        *Producer = 100;
        *Consumer = 10;
        var ring = Ring;
        Assert.True(ring.IsCorrupt);
        Assert.Equal(-1, ring.Read(new byte[4]));
        Assert.Equal(-1, ring.Write(new byte[4]));
        Assert.Equal(10u, *Consumer);
    }

    [Fact]
    public void Size_must_be_a_power_of_two() =>
        Assert.Throws<ArgumentException>(() => new ByteRing(_data, 12, Producer, Consumer));
}
