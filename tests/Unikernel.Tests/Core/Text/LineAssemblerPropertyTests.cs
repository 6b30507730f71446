using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using CsCheck;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Text;

// Console input as it arrives: random bytes (mostly text, with '\r', '\n' and "\r\n" anywhere, any byte
// value) in chunks of random size, against a model: lines end at '\r', '\n' or "\r\n" (once), an
// unfinished line is not returned, a line longer than the buffer is cut to it and flagged. The assembler
// writes through a raw pointer, so its buffer sits between guard bytes that must stay untouched.
public unsafe class LineAssemblerPropertyTests
{
    private const int Guard = 64;
    private const byte GuardValue = 0xA5;

    private static readonly Gen<byte> Bytes = Gen.Frequency(
        (8, (IGen<byte>)Gen.Byte[(byte)'a', (byte)'z']), (2, Gen.Const((byte)'\r')), (2, Gen.Const((byte)'\n')), (1, Gen.Byte));

    private static readonly Gen<byte[][]> Chunks = Bytes.Array[0, 64].Array[0, 24];

    private static readonly Gen<int> Capacities = Gen.Frequency(
        (3, (IGen<int>)Gen.Int[1, 8]), (2, Gen.Int[9, 100]), (1, Gen.OneOf(256, 1024)));

    [Fact]
    public void Lines_are_the_models_whatever_the_bytes_and_their_chunks() =>
        Property.Check(Gen.Select(Chunks, Capacities), input => Check(input.Item1, input.Item2),
            input => $"capacity {input.Item2}: {string.Join(" | ", input.Item1.Select(Convert.ToHexString))}");

    private static void Check(byte[][] chunks, int capacity)
    {
        byte* block = (byte*)NativeMemory.Alloc((nuint)(capacity + 2 * Guard));
        try
        {
            new Span<byte>(block, capacity + 2 * Guard).Fill(GuardValue);
            var assembler = new LineAssembler(block + Guard, capacity);
            var lines = new List<(byte[] Line, bool Truncated)>();
            foreach (byte[] chunk in chunks)
                foreach (byte b in chunk)
                    if (assembler.Feed(b))
                    {
                        Assert.InRange(assembler.Line.Length, 0, capacity);
                        lines.Add((assembler.Line.ToArray(), assembler.Truncated));
                    }

            var expected = Model(chunks.SelectMany(c => c).ToArray(), capacity);
            Assert.Equal(expected.Count, lines.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].Line.AsSpan().SequenceEqual(lines[i].Line), $"line {i} differs");
                Assert.Equal(expected[i].Truncated, lines[i].Truncated);
            }
            Assert.False(new ReadOnlySpan<byte>(block, Guard).ContainsAnyExcept(GuardValue), "written below the line buffer");
            Assert.False(new ReadOnlySpan<byte>(block + Guard + capacity, Guard).ContainsAnyExcept(GuardValue), "written above the line buffer");
        }
        finally { NativeMemory.Free(block); }
    }

    private static List<(byte[] Line, bool Truncated)> Model(byte[] stream, int capacity)
    {
        var lines = new List<(byte[], bool)>();
        var line = new List<byte>();
        for (int i = 0; i < stream.Length; i++)
        {
            byte b = stream[i];
            if (b != '\r' && b != '\n')
            {
                line.Add(b);
                continue;
            }
            lines.Add((line.Take(capacity).ToArray(), line.Count > capacity));
            line.Clear();
            if (b == '\r' && i + 1 < stream.Length && stream[i + 1] == '\n') i++; // "\r\n" ends one line
        }
        return lines;
    }
}
