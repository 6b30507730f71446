using System;
using Unikernel.Core.Text;

// Byte-level text helpers for a protocol of printable ASCII.
public static class Ascii
{
    public static bool IsPrintable(byte b) => b >= 0x20 && b < 0x7f;

    public static bool IsPrintable(ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length; i++) if (!IsPrintable(text[i])) return false;
        return true;
    }

    // Splits off the first space-separated word; rest is what follows the single separating space.
    public static ReadOnlySpan<byte> FirstWord(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> rest)
    {
        int i = text.IndexOf((byte)' ');
        if (i < 0) { rest = default; return text; }
        rest = text.Slice(i + 1);
        return text.Slice(0, i);
    }

    // Appends bytes as characters; anything unprintable shows as '?', so a reply is always one clean line.
    public static void Append(ref TextBuilder text, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++) text.Append(IsPrintable(bytes[i]) ? (char)bytes[i] : '?');
    }
}
