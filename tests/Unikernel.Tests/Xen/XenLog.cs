using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// Facts Xen itself prints while booting, to hold the guest's own reports against.
public static class XenLog
{
    // pv/dom0_build.c: " Dom0 alloc.:   <start>-><end> (<n> pages to be allocated)". The initial
    // start..end chunk is allocated at once; the rest follows, so the domain has both.
    private static readonly Regex Dom0Alloc = new(@"Dom0 alloc\.:\s+(?<start>[0-9a-f]+)->(?<end>[0-9a-f]+) \((?<rest>\d+) pages to be allocated\)");
    // arch/x86/e820.c print_e820_memory_map: " [<start>, <end>] (<type>)" lines after "Xen-e820 RAM map:".
    private static readonly Regex E820Line = new(@"^\(XEN\) \[[^\]]*\]  \[(?<start>[0-9a-f]{16}), (?<end>[0-9a-f]{16})\] \((?<type>[^)]+)\)", RegexOptions.Multiline);

    public readonly record struct E820Entry(ulong Start, ulong EndInclusive, string Type)
    {
        public bool IsRam => Type == "usable";
    }

    public static ulong Dom0Pages(BootResult boot)
    {
        var m = Dom0Alloc.Match(boot.Log);
        Assert.True(m.Success, "Xen's log has no 'Dom0 alloc.' line:\n" + boot.Tail());
        ulong start = ulong.Parse(m.Groups["start"].Value, NumberStyles.HexNumber);
        ulong end = ulong.Parse(m.Groups["end"].Value, NumberStyles.HexNumber);
        return (end - start) / 4096 + ulong.Parse(m.Groups["rest"].Value);
    }

    public static IReadOnlyList<E820Entry> E820(BootResult boot)
    {
        int at = boot.Log.IndexOf("Xen-e820 RAM map:", System.StringComparison.Ordinal);
        Assert.True(at >= 0, "Xen's log has no e820 map:\n" + boot.Tail());
        var entries = new List<E820Entry>();
        foreach (Match m in E820Line.Matches(boot.Log, at))
        {
            // The map is one block of lines: stop at the first gap.
            if (entries.Count > 0 && m.Index > boot.Log.IndexOf('\n', boot.Log.IndexOf('\n', at) + 1) && !Contiguous(boot.Log, entries.Count, at, m.Index)) break;
            entries.Add(new E820Entry(ulong.Parse(m.Groups["start"].Value, NumberStyles.HexNumber),
                ulong.Parse(m.Groups["end"].Value, NumberStyles.HexNumber), m.Groups["type"].Value));
        }
        return entries;
    }

    // True if the match at index is on the line right after the previous e820 lines.
    private static bool Contiguous(string log, int previous, int mapHeader, int index)
    {
        int line = log.IndexOf('\n', mapHeader) + 1;
        for (int i = 0; i < previous; i++) line = log.IndexOf('\n', line) + 1;
        return line == index;
    }

    // Pseudo-physical frames below nrPages that no usable e820 range covers: where Linux (and we) put
    // 1:1 entries and move the RAM away.
    public static ulong PagesInHoles(IReadOnlyList<E820Entry> map, ulong nrPages)
    {
        var ram = map.Where(e => e.IsRam).Select(e => ((e.Start + 4095) / 4096, (e.EndInclusive + 1) / 4096)).ToList();
        ulong inRam = 0;
        foreach (var (first, end) in ram)
            if (first < nrPages) inRam += System.Math.Min(end, nrPages) - first;
        return nrPages - inRam;
    }
}
