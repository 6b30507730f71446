using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Unikernel.Core.Text;

namespace Unikernel.Tests.Core.Text;

public unsafe class LineAssemblerTests
{
    private static List<(string Line, bool Truncated)> Lines(string input, int capacity)
    {
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)capacity);
        try
        {
            var assembler = new LineAssembler(buffer, capacity);
            var lines = new List<(string, bool)>();
            foreach (byte b in Encoding.ASCII.GetBytes(input))
                if (assembler.Feed(b)) lines.Add((Encoding.ASCII.GetString(assembler.Line), assembler.Truncated));
            return lines;
        }
        finally { NativeMemory.Free(buffer); }
    }

    [Fact]
    public void Lines_end_at_newline_carriage_return_or_both() =>
        Assert.Equal(new[] { ("a", false), ("bc", false), ("d", false), ("", false) }, Lines("a\nbc\r\nd\r\n\n", 8));

    [Fact]
    public void An_unfinished_line_is_not_returned() => Assert.Empty(Lines("partial", 16));

    [Fact]
    public void An_overlong_line_is_cut_flagged_and_the_next_one_is_clean() =>
        Assert.Equal(new[] { ("abcd", true), ("ok", false) }, Lines("abcdefgh\nok\n", 4));

    [Fact]
    public void A_line_of_exactly_the_capacity_is_not_truncated() =>
        Assert.Equal(new[] { ("abcd", false) }, Lines("abcd\r", 4));
}
