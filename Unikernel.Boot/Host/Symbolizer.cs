using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Unikernel.Boot.Host;

// Names the addresses of a guest backtrace ("  #3 0x1045a3") from the unstripped image the build leaves
// beside the stripped one (name.sym.elf).
public sealed partial class Symbolizer
{
    private readonly ulong[] _addresses;
    private readonly string[] _names;

    private Symbolizer(IEnumerable<KeyValuePair<string, ulong>> symbols)
    {
        var sorted = symbols.Where(s => s.Value != 0).OrderBy(s => s.Value).ToArray();
        _addresses = sorted.Select(s => s.Value).ToArray();
        _names = sorted.Select(s => s.Key).ToArray();
    }

    public static Symbolizer? ForImage(string image)
    {
        string symbols = Path.ChangeExtension(image, ".sym.elf");
        return File.Exists(symbols) ? new Symbolizer(ElfImage.ReadSymbols(File.ReadAllBytes(symbols))) : null;
    }

    public string? Lookup(ulong address)
    {
        int i = Array.BinarySearch(_addresses, address);
        if (i < 0) i = ~i - 1;
        if (i < 0) return null;
        ulong offset = address - _addresses[i];
        return offset == 0 ? _names[i] : $"{_names[i]}+0x{offset:x}";
    }

    [GeneratedRegex(@"^  #\d+ 0x(?<address>[0-9a-f]+)$")]
    private static partial Regex FrameLine();

    public string Annotate(string line)
    {
        var match = FrameLine().Match(line);
        if (!match.Success) return line;
        var name = Lookup(Convert.ToUInt64(match.Groups["address"].Value, 16));
        return name is null ? line : $"{line} {name}";
    }
}
