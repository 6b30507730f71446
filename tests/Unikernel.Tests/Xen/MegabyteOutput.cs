using System.Text;

namespace Unikernel.Tests.Xen;

// What the probe's mode=megabyte writes between its begin and end lines (XlServices.Megabyte), regenerated
// here so the test can compare the console log byte for byte.
public static class MegabyteOutput
{
    public const int Lines = 1 << 14;

    public static string Expected()
    {
        var text = new StringBuilder(Lines * 67);
        for (int n = 0; n < Lines; n++)
        {
            text.Append('m').Append("0x").Append(n.ToString("x5")).Append(' ');
            ulong state = (ulong)n * 0x9E3779B97F4A7C15UL + 1;
            for (int i = 0; i < 57; i++)
            {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                text.Append((char)('!' + (int)(state % 94)));
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
