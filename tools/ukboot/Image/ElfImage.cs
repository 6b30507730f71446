using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Unikernel.Tools.Ukboot.Image;

// A read-only view of an ELF64 little-endian image: header, program headers and notes.
public sealed class ElfImage
{
    public const uint PtLoad = 1, PtDynamic = 2, PtNote = 4;
    public const uint PfX = 1, PfW = 2, PfR = 4;

    public sealed record Segment(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize);
    public sealed record Note(string Owner, uint Type, byte[] Descriptor, int Index);

    public ushort Type { get; }
    public ushort Machine { get; }
    public ulong Entry { get; }
    public IReadOnlyList<Segment> Segments { get; }
    public IReadOnlyList<Note> Notes { get; }

    private ElfImage(ushort type, ushort machine, ulong entry, List<Segment> segments, List<Note> notes)
    {
        Type = type;
        Machine = machine;
        Entry = entry;
        Segments = segments;
        Notes = notes;
    }

    public static ElfImage Load(string path) => Parse(File.ReadAllBytes(path));

    // The symbol table (.symtab) of an unstripped image: name -> value. Empty for a stripped image.
    // placedOnly leaves out absolute symbols (a --defsym constant is a number that may equal an address).
    public static Dictionary<string, ulong> ReadSymbols(byte[] data, bool placedOnly = false)
    {
        var symbols = new Dictionary<string, ulong>();
        var span = data.AsSpan();
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[58..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[60..]);
        ReadOnlySpan<byte> Section(int i) => data.AsSpan((int)shoff + i * shentsize, shentsize);
        for (int i = 0; i < shnum; i++)
        {
            var sh = Section(i);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != 2) continue; // SHT_SYMTAB
            int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[24..]);
            int size = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[32..]);
            var strtab = Section((int)BinaryPrimitives.ReadUInt32LittleEndian(sh[40..]));
            int strOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(strtab[24..]);
            for (int pos = offset; pos + 24 <= offset + size; pos += 24)
            {
                ushort sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(span[(pos + 6)..]);
                if (placedOnly && sectionIndex == 0xfff1) continue; // SHN_ABS
                int name = strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[pos..]);
                int end = span[name..].IndexOf((byte)0);
                if (end > 0)
                    symbols[System.Text.Encoding.ASCII.GetString(span.Slice(name, end))] = BinaryPrimitives.ReadUInt64LittleEndian(span[(pos + 8)..]);
            }
        }
        return symbols;
    }

    // The DT_NEEDED entries of a dynamically linked executable or library (sonames such as "libc.so.6"),
    // read from PT_DYNAMIC; the string table address is mapped to a file offset through the PT_LOAD segments.
    public static List<string> ReadNeeded(byte[] data)
    {
        var image = Parse(data);
        var span = data.AsSpan();
        var needed = new List<string>();
        var dynamic = image.Segments.FirstOrDefault(s => s.Type == PtDynamic);
        if (dynamic == null) return needed; // statically linked
        var offsets = new List<ulong>();
        ulong strtab = 0;
        for (ulong pos = dynamic.Offset; pos + 16 <= dynamic.Offset + dynamic.FileSize; pos += 16)
        {
            long tag = BinaryPrimitives.ReadInt64LittleEndian(span[(int)pos..]);
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(span[(int)(pos + 8)..]);
            if (tag == 0) break;           // DT_NULL
            if (tag == 1) offsets.Add(value); // DT_NEEDED
            if (tag == 5) strtab = value;   // DT_STRTAB
        }
        var load = image.Segments.FirstOrDefault(s => s.Type == PtLoad && strtab >= s.VirtualAddress && strtab < s.VirtualAddress + s.FileSize)
            ?? throw new ImageException("DT_STRTAB lies outside every PT_LOAD segment");
        ulong strtabOffset = strtab - load.VirtualAddress + load.Offset;
        foreach (var offset in offsets)
        {
            int start = (int)(strtabOffset + offset);
            int end = span[start..].IndexOf((byte)0);
            needed.Add(System.Text.Encoding.ASCII.GetString(span.Slice(start, end)));
        }
        return needed;
    }

    public static ElfImage Parse(byte[] data)
    {
        if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            throw new ImageException("not an ELF file (bad magic)");
        if (data[4] != 2) throw new ImageException("not a 64-bit ELF (EI_CLASS is not ELFCLASS64)");
        if (data[5] != 1) throw new ImageException("not a little-endian ELF (EI_DATA is not ELFDATA2LSB)");

        var span = data.AsSpan();
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(span[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(span[18..]);
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(span[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(span[56..]);
        if (phentsize < 56 || phoff + (ulong)phentsize * phnum > (ulong)data.Length)
            throw new ImageException("program header table lies outside the file");

        var segments = new List<Segment>();
        var notes = new List<Note>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = span[(int)(phoff + (ulong)(i * phentsize))..];
            var segment = new Segment(
                BinaryPrimitives.ReadUInt32LittleEndian(ph),
                BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]));
            if (segment.Offset + segment.FileSize > (ulong)data.Length)
                throw new ImageException($"program header {i} lies outside the file");
            segments.Add(segment);
            if (segment.Type == PtNote)
                ReadNotes(span.Slice((int)segment.Offset, (int)segment.FileSize), notes);
        }
        return new ElfImage(type, machine, entry, segments, notes);
    }

    private static void ReadNotes(ReadOnlySpan<byte> area, List<Note> notes)
    {
        int pos = 0;
        while (pos < area.Length)
        {
            int index = notes.Count;
            if (area.Length - pos < 12) throw new ImageException($"note #{index} is truncated (header)");
            uint namesz = BinaryPrimitives.ReadUInt32LittleEndian(area[pos..]);
            uint descsz = BinaryPrimitives.ReadUInt32LittleEndian(area[(pos + 4)..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(area[(pos + 8)..]);
            pos += 12;
            long nameEnd = pos + (long)Align4(namesz);
            long descEnd = nameEnd + (long)Align4(descsz);
            if (namesz > int.MaxValue || descsz > int.MaxValue || pos + (long)namesz > area.Length || nameEnd + descsz > area.Length)
                throw new ImageException($"note #{index} (type {type}) is truncated: its sizes run past the PT_NOTE segment");
            var name = area.Slice(pos, (int)namesz);
            string owner = System.Text.Encoding.ASCII.GetString(name.TrimEnd((byte)0));
            notes.Add(new Note(owner, type, area.Slice((int)nameEnd, (int)descsz).ToArray(), index));
            pos = (int)Math.Min(descEnd, area.Length);
        }
    }

    private static ulong Align4(ulong n) => (n + 3) & ~3UL;
}

public sealed class ImageException(string message) : Exception(message);
