using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Unikernel.Tools.Ukboot.Image;

// Names the addresses of a guest backtrace ("  #3 0x1045a3") from the unstripped image the build leaves
// beside the stripped one (name.sym.elf). Guests name their frames themselves; this serves older images and
// Xen's own dump of a domain it killed (RIP, and a cr2 in the stack guard page: a stack overflow, which a
// PV guest cannot be told about because the fault has no stack to land on).
public sealed partial class Symbolizer
{
    private readonly ulong[] _addresses;
    private readonly string[] _names;
    private readonly ulong _stackGuard, _stackBottom; // the unmapped guard region below the boot stack

    private Symbolizer(IReadOnlyDictionary<string, ulong> symbols)
    {
        _stackGuard = symbols.TryGetValue("uk_stack_guard", out ulong guard) ? guard : 0;
        _stackBottom = symbols.TryGetValue("uk_stack_bottom", out ulong bottom) ? bottom : _stackGuard + 4096;
        var sorted = symbols.Where(s => s.Value != 0).OrderBy(s => s.Value).ToArray();
        _addresses = sorted.Select(s => s.Value).ToArray();
        _names = sorted.Select(s => s.Key).ToArray();
    }

    public static Symbolizer? ForImage(string image)
    {
        string symbols = Path.ChangeExtension(image, ".sym.elf");
        return File.Exists(symbols) ? new Symbolizer(ElfImage.ReadSymbols(File.ReadAllBytes(symbols), placedOnly: true)) : null;
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

    // Xen's dump of a crashed PV domain: "RIP:    e033:[<000000000010511f>]" and "cr2: 00000000001a7f68".
    [GeneratedRegex(@"RIP:\s+e03[0-3]:\[<(?<address>[0-9a-f]{16})>\]$")]
    private static partial Regex XenRipLine();

    [GeneratedRegex(@"cr2: (?<address>[0-9a-f]{16})$")]
    private static partial Regex XenCr2Line();

    public string Annotate(string line)
    {
        var match = FrameLine().Match(line);
        if (!match.Success) match = XenRipLine().Match(line);
        if (match.Success)
        {
            var name = Lookup(Convert.ToUInt64(match.Groups["address"].Value, 16));
            return name is null ? line : $"{line} {name}";
        }
        match = XenCr2Line().Match(line);
        if (match.Success && _stackGuard != 0)
        {
            ulong address = Convert.ToUInt64(match.Groups["address"].Value, 16);
            if (address >= _stackGuard && address < _stackBottom) return line + " (stack overflow: in the stack guard page)";
        }
        return line;
    }
}
