using System;
using System.Numerics;
using Unikernel.Core.Time;

namespace Unikernel.Tests.Core.Time;

public class TscScaleTests
{
    // Reference: shift, then (delta * mul) >> 32 in exact arithmetic.
    private static ulong Reference(ulong delta, uint mul, sbyte shift)
    {
        ulong shifted = shift < 0 ? delta >> -shift : delta << shift;
        return (ulong)((new BigInteger(shifted) * mul) >> 32);
    }

    [Theory]
    [InlineData(0UL, 0x80000000u, (sbyte)0, 0UL)]
    [InlineData(1000UL, 0x80000000u, (sbyte)0, 500UL)]              // 2 GHz TSC: half a ns per tick
    [InlineData(1000UL, 0x80000000u, (sbyte)1, 1000UL)]
    [InlineData(3000UL, 0xaaaaaaaau, (sbyte)-1, 999UL)]
    [InlineData(ulong.MaxValue, 0xffffffffu, (sbyte)0, 0xfffffffeffffffffUL)]
    public void Scales_like_pvclock(ulong delta, uint mul, sbyte shift, ulong expected) =>
        Assert.Equal(expected, TscScale.ToNanoseconds(delta, mul, shift));

    [Fact]
    public void Matches_exact_arithmetic_on_random_inputs()
    {
        var random = new Random(7);
        for (int i = 0; i < 100_000; i++)
        {
            ulong delta = (ulong)random.NextInt64() >> random.Next(40);
            uint mul = (uint)random.NextInt64(0, 1L << 32);
            sbyte shift = (sbyte)random.Next(-4, 4);
            Assert.Equal(Reference(delta, mul, shift), TscScale.ToNanoseconds(delta, mul, shift));
        }
    }
}
