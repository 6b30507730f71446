using System;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tests.Tools.Ukboot.Image;

// `ukboot pack`: the self-extracting image (ImagePacker.cs, Unikernel.Boot/pack/unpack.S).
public class ImagePackerTests
{
    private static string ObjFile(string name) => Path.Combine(Repo.Root, "samples", "Hello", "obj", "Debug", "net10.0", "unikernel", name);

    // The built hello.elf expands to exactly the segments of the plain image it was packed from, and its
    // entry (e_entry and XEN_ELFNOTE_ENTRY, which ukboot check compares) is the stub, which jumps to _start.
    [Fact]
    public void Hello_expands_to_the_plain_image()
    {
        byte[] plain = File.ReadAllBytes(ObjFile("hello.plain.elf")), packed = File.ReadAllBytes(Repo.Image("hello"));
        int stub = (int)new FileInfo(ObjFile("unpack.bin")).Length;
        var expected = ElfImage.Parse(plain);
        var (entry, segments) = ImagePacker.Expand(packed, stub);
        Assert.Equal(expected.Entry, entry);
        var loads = expected.Segments.Where(s => s.Type == ElfImage.PtLoad).ToList();
        Assert.Equal(loads.Count, segments.Count);
        for (int i = 0; i < loads.Count; i++)
        {
            Assert.Equal(loads[i].VirtualAddress, segments[i].Address);
            Assert.True(plain.AsSpan((int)loads[i].Offset, (int)loads[i].FileSize).SequenceEqual(segments[i].Bytes), $"segment {i} differs");
        }
        var image = ElfImage.Parse(packed);
        var summary = XenNoteChecker.Check(image);
        Assert.Equal(image.Entry, summary.Entry);
        Assert.NotEqual(expected.Entry, image.Entry);
        Assert.True(packed.Length < plain.Length * 2 / 3, $"packed {packed.Length} bytes, plain {plain.Length}");
        // Memory is laid out as before: every plain segment is there with its size, and holds no file bytes.
        foreach (var s in loads)
            Assert.Contains(image.Segments, p => p.Type == ElfImage.PtLoad && p.VirtualAddress == s.VirtualAddress && p.MemorySize == s.MemorySize && p.FileSize == 0 && p.Flags == s.Flags);
    }

    // Round trips through the code: runs, repeats longer than 15 + 255, matches that overlap their source,
    // incompressible bytes, an empty segment; one 4096-byte page of each.
    [Theory]
    [InlineData("zeros")]
    [InlineData("random")]
    [InlineData("text")]
    [InlineData("empty")]
    public void Segments_round_trip(string kind)
    {
        var random = new Random(16);
        byte[] bytes = kind switch
        {
            "zeros" => new byte[4096],
            "random" => Enumerable.Range(0, 4096).Select(_ => (byte)random.Next(256)).ToArray(),
            "text" => System.Text.Encoding.Unicode.GetBytes(string.Concat(Enumerable.Repeat("memory setup: the plan ", 90)))[..4096],
            _ => [],
        };
        byte[] stub = new byte[8];
        byte[] plain = MinimalImage(bytes);
        var (_, segments) = ImagePacker.Expand(ImagePacker.Pack(plain, stub), stub.Length);
        Assert.Equal(bytes, segments.Single().Bytes);
    }

    // An ELF with one RWX-free PT_LOAD at 0x100000 holding bytes and a PT_NOTE with an entry note.
    private static byte[] MinimalImage(byte[] segment)
    {
        byte[] note = [4, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, (byte)'X', (byte)'e', (byte)'n', 0, 0, 0, 0x10, 0, 0, 0, 0, 0];
        int notes = 64 + 2 * 56, data = notes + note.Length;
        var elf = new byte[data + segment.Length];
        elf[0] = 0x7f; elf[1] = (byte)'E'; elf[2] = (byte)'L'; elf[3] = (byte)'F'; elf[4] = 2; elf[5] = 1; elf[6] = 1;
        BitConverter.GetBytes((ushort)2).CopyTo(elf, 16);
        BitConverter.GetBytes((ushort)62).CopyTo(elf, 18);
        BitConverter.GetBytes(0x100000UL).CopyTo(elf, 24);
        BitConverter.GetBytes(64UL).CopyTo(elf, 32);
        BitConverter.GetBytes((ushort)56).CopyTo(elf, 54);
        BitConverter.GetBytes((ushort)2).CopyTo(elf, 56);
        void Phdr(int at, uint type, uint flags, ulong offset, ulong address, ulong size)
        {
            BitConverter.GetBytes(type).CopyTo(elf, at);
            BitConverter.GetBytes(flags).CopyTo(elf, at + 4);
            BitConverter.GetBytes(offset).CopyTo(elf, at + 8);
            BitConverter.GetBytes(address).CopyTo(elf, at + 16);
            BitConverter.GetBytes(address).CopyTo(elf, at + 24);
            BitConverter.GetBytes(size).CopyTo(elf, at + 32);
            BitConverter.GetBytes(size + 4096).CopyTo(elf, at + 40);
        }
        Phdr(64, ElfImage.PtLoad, ElfImage.PfR | ElfImage.PfX, (ulong)data, 0x100000, (ulong)segment.Length);
        Phdr(64 + 56, ElfImage.PtNote, ElfImage.PfR, (ulong)notes, 0, (ulong)note.Length);
        note.CopyTo(elf, notes);
        segment.CopyTo(elf, data);
        return elf;
    }
}
