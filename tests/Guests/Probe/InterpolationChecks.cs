using System;
using System.Runtime.CompilerServices;
using Unikernel.Core.Text;
using Console = Unikernel.Console;

// Interpolated strings under real Xen: TextBuilder.Append($"...") against the same text built with plain
// Append calls, each printed as "check <name>: ok|FAIL"; then lines through Console's handler that the boot
// test compares with .NET's formatting of the same values.
public static class InterpolationChecks
{
    public static int Run()
    {
        int i = (int)Opaque(-42);
        uint u = (uint)Opaque(0xdeadbeef);
        long l = Opaque(-9223372036854775807 - 1); // long.MinValue (the corlib has no MinValue)
        ulong ul = (ulong)Opaque(-1);
        ulong small = (ulong)Opaque(0x1f2e);
        char c = (char)Opaque('Z');
        bool yes = Opaque(1) == 1, no = !yes;
        string s = "probe";
        string? nothing = null;
        ReadOnlySpan<char> span = "spanning".AsSpan().Slice(0, 4);

        Span<char> gotBuffer = stackalloc char[256];
        Span<char> wantBuffer = stackalloc char[256];
        var got = new TextBuilder(gotBuffer);
        var want = new TextBuilder(wantBuffer);
        int failures = 0;

        got.Append("n: ");
        got.Append($"{i} {u} {l} {ul}");
        want.Append("n: ");
        want.Append(i); want.Append(' '); want.Append(u); want.Append(' '); want.Append(l); want.Append(' '); want.Append(ul);
        failures += CheckReport.Check("interp-integers", Same(got, want));

        got.Clear(); want.Clear();
        got.Append($"0x{ul:x} 0x{u:x8} 0x{small:x8} 0x{i:x}");
        want.AppendHex(ul); want.Append(' '); want.AppendHex(u, 8); want.Append(' '); want.AppendHex(small, 8); want.Append(' '); want.AppendHex((uint)i);
        failures += CheckReport.Check("interp-hex", Same(got, want));

        got.Clear(); want.Clear();
        got.Append($"{s} [{nothing}] {span} {c} {yes}/{no}");
        want.Append(s); want.Append(" [] "); want.Append(span); want.Append(' '); want.Append(c); want.Append(" True/False");
        failures += CheckReport.Check("interp-text", Same(got, want));

        got.Clear();
        got.Append($"{i:N2}|{i:d5}");
        failures += CheckReport.Check("interp-unknown-format", Same(got, "{?N2}|-00042"));

        var cut = new TextBuilder(stackalloc char[10]);
        cut.Append($"abc{12345678}def");
        failures += CheckReport.Check("interp-truncation", cut.Truncated && Same(cut, "abc1234567"));

        ReadOnlySpan<byte> utf8 = "caf\u00e9"u8;
        failures += CheckReport.Check("u8-literal", utf8.Length == 5 && utf8[0] == (byte)'c' && utf8[3] == 0xC3 && utf8[4] == 0xA9);

        // The boot test formats the same values with .NET and compares.
        Console.WriteLine($"values: i={i} u={u} l={l} ul={ul} hex={i:x}/{u:X}/{l:x}/{small:x8}/{ul:X} d={i:d5}/{l:D22} c={c} b={yes}/{no} s={s} span={span} null=[{nothing}]");
        // Longer than the console's 512-byte line buffer: goes out in pieces, whole.
        Span<char> dots = stackalloc char[600];
        dots.Fill('.');
        Console.WriteLine($"long: {dots} end={dots.Length}");
        // The plain writers, one line.
        Console.Write($"pieces: {i}");
        Console.Write(' ');
        Console.Write(l);
        Console.Write(" "u8);
        Console.Write("bytes"u8);
        Console.WriteLine(" end"u8);
        Console.WriteLine(ul > 0 ? -1 : 1);

        Console.WriteLine($"interpolation: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private static bool Same(scoped in TextBuilder got, scoped ReadOnlySpan<char> want) => got.Text.SequenceEqual(want);

    private static bool Same(scoped in TextBuilder got, scoped in TextBuilder want) => !got.Truncated && !want.Truncated && Same(got, want.Text);

    // Keeps values out of the compiler's reach, so the formatting runs in the guest.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Opaque(long value) => value;
}
