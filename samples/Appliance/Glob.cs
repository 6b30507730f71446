using System;

// Redis's KEYS patterns: * any run, ? any byte, [abc] / [a-z] / [^a] a set, \x the byte x.
public static class Glob
{
    public static bool Matches(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                star = p++;
                resume = t;
                continue;
            }
            if (p < pattern.Length && One(pattern, ref p, text[t])) { t++; continue; }
            if (star < 0) return false;
            p = star + 1;
            t = ++resume;
        }
        while (p < pattern.Length && pattern[p] == (byte)'*') p++;
        return p == pattern.Length;
    }

    // Whether the element at p matches b; advances p past the element when it does.
    private static bool One(ReadOnlySpan<byte> pattern, ref int p, byte b)
    {
        byte c = pattern[p];
        if (c == (byte)'?') { p++; return true; }
        if (c == (byte)'\\' && p + 1 < pattern.Length) { if (pattern[p + 1] != b) return false; p += 2; return true; }
        if (c != (byte)'[') { if (c != b) return false; p++; return true; }
        int i = p + 1;
        bool negate = i < pattern.Length && pattern[i] == (byte)'^';
        if (negate) i++;
        bool found = false;
        while (i < pattern.Length && pattern[i] != (byte)']')
        {
            if (pattern[i] == (byte)'\\' && i + 1 < pattern.Length) { found |= pattern[i + 1] == b; i += 2; }
            else if (i + 2 < pattern.Length && pattern[i + 1] == (byte)'-' && pattern[i + 2] != (byte)']')
            {
                byte lo = pattern[i], hi = pattern[i + 2];
                if (lo > hi) { byte x = lo; lo = hi; hi = x; }
                found |= b >= lo && b <= hi;
                i += 3;
            }
            else found |= pattern[i++] == b;
        }
        if (i >= pattern.Length) { if (c != b) return false; p++; return true; } // no ']': a literal '['
        if (found == negate) return false;
        p = i + 1;
        return true;
    }
}
