using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Unikernel.Tools.Ukboot.Image;

// Where an image's bytes go: its allocated sections, and its largest symbols (sized by the distance to the
// next symbol or the section's end, since ilc's symbols carry no sizes). Read from the unstripped .sym.elf.
public static class SizeReport
{
    public sealed record Section(string Name, ulong Address, ulong Size, bool InFile);
    public sealed record Symbol(string Name, string Section, ulong Address, ulong Size);

    private const uint ShtNobits = 8;
    private const ulong ShfAlloc = 2;

    public static List<Section> Sections(byte[] elf)
    {
        var span = elf.AsSpan();
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[58..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[60..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(span[62..]);
        ReadOnlySpan<byte> Header(int i) => elf.AsSpan((int)shoff + i * shentsize, shentsize);
        int names = (int)BinaryPrimitives.ReadUInt64LittleEndian(Header(shstrndx)[24..]);
        var sections = new List<Section>();
        for (int i = 1; i < shnum; i++)
        {
            var sh = Header(i);
            ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(sh[8..]);
            if ((flags & ShfAlloc) == 0) continue;
            int name = names + (int)BinaryPrimitives.ReadUInt32LittleEndian(sh);
            int end = elf.AsSpan(name).IndexOf((byte)0);
            sections.Add(new Section(Encoding.ASCII.GetString(elf, name, end), BinaryPrimitives.ReadUInt64LittleEndian(sh[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(sh[32..]), BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtNobits));
        }
        return sections;
    }

    public static List<Symbol> LargestSymbols(byte[] elf, int count)
    {
        var sections = Sections(elf);
        var symbols = ElfImage.ReadSymbols(elf, placedOnly: true)
            .Where(s => sections.Any(x => s.Value >= x.Address && s.Value < x.Address + x.Size))
            .GroupBy(s => s.Value)
            .Select(g => (Address: g.Key, Name: g.Select(s => s.Key).OrderBy(n => n, StringComparer.Ordinal).First()))
            .OrderBy(s => s.Address)
            .ToList();
        var sized = new List<Symbol>();
        for (int i = 0; i < symbols.Count; i++)
        {
            var section = sections.First(x => symbols[i].Address >= x.Address && symbols[i].Address < x.Address + x.Size);
            ulong sectionEnd = section.Address + section.Size;
            ulong next = i + 1 < symbols.Count && symbols[i + 1].Address < sectionEnd ? symbols[i + 1].Address : sectionEnd;
            sized.Add(new Symbol(symbols[i].Name, section.Name, symbols[i].Address, next - symbols[i].Address));
        }
        return sized.OrderByDescending(s => s.Size).ThenBy(s => s.Address).Take(count).ToList();
    }

    // image: the shipped image's size, when known (a self-extracting one is smaller than its sections).
    public static string Format(byte[] elf, int count, (string Name, long Size)? image = null)
    {
        var text = new StringBuilder();
        var sections = Sections(elf);
        text.AppendLine("section              address      bytes  in file");
        foreach (var s in sections)
            text.AppendLine($"{s.Name,-20} 0x{s.Address:x8} {s.Size,8}  {(s.InFile ? "yes" : "no")}");
        ulong inFile = sections.Where(s => s.InFile).Aggregate(0UL, (sum, s) => sum + s.Size);
        text.AppendLine($"{"sections in the file",-31} {inFile,8}");
        if (image is var (name, size))
            text.AppendLine($"{name,-31} {size,8}  ({(size < (long)inFile ? "self-extracting: the sections compressed, plus headers and the unpack stub" : "the sections plus ELF and program headers")})");
        var all = LargestSymbols(elf, int.MaxValue);
        var literals = all.Where(s => s.Name.StartsWith("__Str_", StringComparison.Ordinal)).ToList();
        if (literals.Count > 0)
            text.AppendLine($"string literals (UTF-16 objects, __Str_*): {literals.Count}, {literals.Aggregate(0UL, (sum, s) => sum + s.Size)} bytes");
        text.AppendLine();
        text.AppendLine($"largest {count} symbols (bytes up to the next symbol):");
        foreach (var s in all.Take(count))
            text.AppendLine($"{s.Size,8}  {s.Section,-14} {s.Name}");
        return text.ToString();
    }
}
