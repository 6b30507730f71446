using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Unikernel.Tools.Ukboot.Image;

// Makes a stripped image self-extracting: its loadable segments keep their addresses and sizes in memory
// but no file bytes (the loader maps them zero-filled), and a new executable segment above them holds the
// unpack stub (Unikernel.Boot/pack/unpack.S, raw bytes), a header and the segments' bytes compressed with
// an LZ77 code the stub decodes in about 40 instructions. The entry (e_entry and XEN_ELFNOTE_ENTRY) becomes
// the stub, which expands the segments and jumps to the image's own entry; from there on memory is exactly
// what loading the plain image gives. The notes stay uncompressed for the loader. Format: unpack.S.
public static class ImagePacker
{
    private const int MinMatch = 4, MaxOffset = 65535, Candidates = 256;
    private const ulong PageSize = 4096;

    public static byte[] Pack(byte[] plain, byte[] stub)
    {
        if (stub.Length == 0 || stub.Length % 8 != 0) throw new ImageException($"the unpack stub is {stub.Length} bytes, not a non-zero multiple of 8");
        var image = ElfImage.Parse(plain);
        var loads = image.Segments.Where(s => s.Type == ElfImage.PtLoad).OrderBy(s => s.VirtualAddress).ToList();
        var notes = image.Segments.Where(s => s.Type == ElfImage.PtNote).ToList();
        if (loads.Count == 0 || notes.Count != 1) throw new ImageException("a packable image has PT_LOAD segments and one PT_NOTE");
        if (image.Segments.Any(s => s.Type != ElfImage.PtLoad && s.Type != ElfImage.PtNote))
            throw new ImageException("a packable image has only PT_LOAD and PT_NOTE segments");
        ulong stubAddress = AlignUp(loads.Max(s => s.VirtualAddress + s.MemorySize), PageSize);

        var payload = new MemoryStream();
        payload.Write(stub);
        var word = new byte[8];
        void Put(ulong value) { BinaryPrimitives.WriteUInt64LittleEndian(word, value); payload.Write(word); }
        Put(image.Entry);
        Put((ulong)loads.Count);
        foreach (var s in loads) { Put(s.VirtualAddress); Put(s.FileSize); }
        foreach (var s in loads) Compress(plain.AsSpan((int)s.Offset, (int)s.FileSize), payload);

        var note = notes[0];
        byte[] noteBytes = plain.AsSpan((int)note.Offset, (int)note.FileSize).ToArray();
        PatchEntryNote(noteBytes, stubAddress);

        int phnum = loads.Count + 2;
        ulong notesOffset = 64 + (ulong)phnum * 56;
        ulong payloadOffset = AlignUp(notesOffset + (ulong)noteBytes.Length, 16);
        var file = new byte[payloadOffset + (ulong)payload.Length];
        plain.AsSpan(0, 64).CopyTo(file);
        var header = file.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], stubAddress);  // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], 64);           // e_phoff
        BinaryPrimitives.WriteUInt64LittleEndian(header[40..], 0);            // e_shoff: no sections
        BinaryPrimitives.WriteUInt16LittleEndian(header[54..], 56);           // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(header[56..], (ushort)phnum);
        BinaryPrimitives.WriteUInt16LittleEndian(header[58..], 64);           // e_shentsize
        BinaryPrimitives.WriteUInt16LittleEndian(header[60..], 0);            // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(header[62..], 0);            // e_shstrndx
        int ph = 64;
        void Phdr(uint type, uint flags, ulong offset, ulong address, ulong fileSize, ulong memorySize, ulong align)
        {
            var p = file.AsSpan(ph, 56);
            BinaryPrimitives.WriteUInt32LittleEndian(p, type);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], address);
            BinaryPrimitives.WriteUInt64LittleEndian(p[24..], address);
            BinaryPrimitives.WriteUInt64LittleEndian(p[32..], fileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[40..], memorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[48..], align);
            ph += 56;
        }
        foreach (var s in loads) Phdr(ElfImage.PtLoad, s.Flags, payloadOffset, s.VirtualAddress, 0, s.MemorySize, 16);
        Phdr(ElfImage.PtLoad, ElfImage.PfR | ElfImage.PfX, payloadOffset, stubAddress, (ulong)payload.Length, (ulong)payload.Length, 16);
        Phdr(ElfImage.PtNote, note.Flags, notesOffset, note.VirtualAddress, (ulong)noteBytes.Length, (ulong)noteBytes.Length, 4);
        noteBytes.CopyTo(file.AsSpan((int)notesOffset));
        payload.ToArray().CopyTo(file.AsSpan((int)payloadOffset));
        return file;
    }

    // What the stub leaves in memory: each segment's address and bytes (stubLength: the stub's size, where
    // the header starts). A model of unpack.S for tests; the stub itself is tested by booting.
    public static (ulong Entry, List<(ulong Address, byte[] Bytes)> Segments) Expand(byte[] packed, int stubLength)
    {
        var image = ElfImage.Parse(packed);
        var stub = image.Segments.Single(s => s.Type == ElfImage.PtLoad && s.FileSize > 0);
        var data = packed.AsSpan((int)stub.Offset + stubLength, (int)stub.FileSize - stubLength);
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(data);
        int count = (int)BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
        int pos = 16 + count * 16;
        var segments = new List<(ulong, byte[])>();
        for (int i = 0; i < count; i++)
        {
            ulong address = BinaryPrimitives.ReadUInt64LittleEndian(data[(16 + i * 16)..]);
            var output = new byte[BinaryPrimitives.ReadUInt64LittleEndian(data[(24 + i * 16)..])];
            int o = 0;
            while (o < output.Length)
            {
                int token = data[pos++];
                int literals = Extend(data, ref pos, token >> 4);
                data.Slice(pos, literals).CopyTo(output.AsSpan(o));
                pos += literals;
                o += literals;
                if (o >= output.Length) break;
                int offset = BinaryPrimitives.ReadUInt16LittleEndian(data[pos..]);
                pos += 2;
                int length = Extend(data, ref pos, token & 15) + MinMatch;
                if (offset == 0 || offset > o || o + length > output.Length) throw new ImageException($"segment {i}: a match at {o} is out of range");
                for (int k = 0; k < length; k++, o++) output[o] = output[o - offset];
            }
            segments.Add((address, output));
        }
        return (entry, segments);
    }

    private static int Extend(ReadOnlySpan<byte> data, ref int pos, int value)
    {
        if (value != 15) return value;
        int b;
        do { b = data[pos++]; value += b; } while (b == 255);
        return value;
    }

    // Greedy LZ77 with one step of lazy matching over hash chains of 4-byte prefixes; deterministic.
    private static void Compress(ReadOnlySpan<byte> input, Stream output)
    {
        var chains = new Dictionary<uint, List<int>>();
        int inserted = 0; // positions below this are in the chains
        void InsertUpTo(ReadOnlySpan<byte> s, int end)
        {
            for (; inserted < end && inserted + MinMatch <= s.Length; inserted++)
            {
                uint key = BinaryPrimitives.ReadUInt32LittleEndian(s[inserted..]);
                if (!chains.TryGetValue(key, out var list)) chains[key] = list = new List<int>();
                list.Add(inserted);
            }
        }
        (int Length, int Offset) Find(ReadOnlySpan<byte> s, int at)
        {
            if (at + MinMatch > s.Length || !chains.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(s[at..]), out var list)) return (0, 0);
            int best = 0, bestOffset = 0;
            for (int c = list.Count - 1, seen = 0; c >= 0 && seen < Candidates; c--, seen++)
            {
                int from = list[c];
                if (at - from > MaxOffset) break;
                int length = 0;
                while (at + length < s.Length && s[from + length] == s[at + length]) length++;
                if (length > best) (best, bestOffset) = (length, at - from);
            }
            return best >= MinMatch ? (best, bestOffset) : (0, 0);
        }
        int literalStart = 0, i = 0;
        while (i < input.Length)
        {
            InsertUpTo(input, i);
            var match = Find(input, i);
            if (match.Length == 0) { i++; continue; }
            InsertUpTo(input, i + 1);
            var later = Find(input, i + 1);
            if (later.Length > match.Length) (i, match) = (i + 1, later); // one more literal buys a longer match
            WriteSequence(output, input[literalStart..i], match.Offset, match.Length);
            i += match.Length;
            literalStart = i;
        }
        if (literalStart < input.Length) WriteSequence(output, input[literalStart..], 0, 0);
    }

    private static void WriteSequence(Stream output, ReadOnlySpan<byte> literals, int offset, int length)
    {
        int matchCode = length == 0 ? 0 : length - MinMatch;
        output.WriteByte((byte)((Math.Min(literals.Length, 15) << 4) | Math.Min(matchCode, 15)));
        WriteExtra(output, literals.Length);
        output.Write(literals);
        if (length == 0) return; // the segment's last literals
        output.WriteByte((byte)offset);
        output.WriteByte((byte)(offset >> 8));
        WriteExtra(output, matchCode);
    }

    private static void WriteExtra(Stream output, int value)
    {
        if (value < 15) return;
        for (value -= 15; value >= 255; value -= 255) output.WriteByte(255);
        output.WriteByte((byte)value);
    }

    // XEN_ELFNOTE_ENTRY (1) in the raw note bytes: its 8-byte descriptor becomes the stub's address.
    private static void PatchEntryNote(byte[] notes, ulong entry)
    {
        for (int pos = 0; pos + 12 <= notes.Length;)
        {
            int namesz = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(pos));
            int descsz = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(pos + 4));
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes.AsSpan(pos + 8));
            int desc = pos + 12 + (namesz + 3) / 4 * 4;
            if (type == XenNoteChecker.Entry && descsz == 8 && notes.AsSpan(pos + 12, 3).SequenceEqual("Xen"u8))
                BinaryPrimitives.WriteUInt64LittleEndian(notes.AsSpan(desc), entry);
            pos = desc + (descsz + 3) / 4 * 4;
        }
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);
}
