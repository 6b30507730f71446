using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using Unikernel.Tools.Ukboot;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tests.Tools.Ukboot.Image;

// The image checker must accept what we build and refuse broken notes, naming the note at fault.
public class ImageCheckerTests
{
    private static byte[] Hello() => File.ReadAllBytes(Repo.Image("hello"));

    // File offset of the descriptor of the Xen note with this type.
    private static (int header, int desc) FindNote(byte[] image, uint type)
    {
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(32));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(56));
        for (int i = 0; i < phnum; i++)
        {
            var ph = image.AsSpan((int)phoff + i * 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != ElfImage.PtNote) continue;
            int pos = (int)BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            int end = pos + (int)BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            while (pos < end)
            {
                int namesz = BinaryPrimitives.ReadInt32LittleEndian(image.AsSpan(pos));
                int descsz = BinaryPrimitives.ReadInt32LittleEndian(image.AsSpan(pos + 4));
                uint t = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(pos + 8));
                int desc = pos + 12 + ((namesz + 3) & ~3);
                if (t == type) return (pos, desc);
                pos = desc + ((descsz + 3) & ~3);
            }
        }
        throw new InvalidOperationException($"note {type} not found");
    }

    private static string Reject(byte[] image) =>
        Assert.Throws<ImageException>(() => XenNoteChecker.Check(ElfImage.Parse(image))).Message;

    [Fact]
    public void Accepts_the_built_hello_image()
    {
        var summary = XenNoteChecker.Check(ElfImage.Parse(Hello()));
        Assert.Equal("Unikernel.NET", summary.GuestOs);
        Assert.Equal(0UL, summary.HypercallPage & 0xfff);
    }

    [Fact]
    public void Rejects_a_wrong_xen_version()
    {
        var image = Hello();
        var (_, desc) = FindNote(image, XenNoteChecker.XenVersion);
        image[desc + 6] = (byte)'9'; // "xen-3.0" -> "xen-3.9"
        Assert.Contains("XEN_ELFNOTE_XEN_VERSION", Reject(image));
    }

    [Fact]
    public void Rejects_a_missing_hypercall_page_note()
    {
        var image = Hello();
        var (header, _) = FindNote(image, XenNoteChecker.HypercallPage);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(header + 8), 99); // retype it to something unknown
        Assert.Contains("XEN_ELFNOTE_HYPERCALL_PAGE is missing", Reject(image));
    }

    [Fact]
    public void Rejects_an_unaligned_hypercall_page()
    {
        var image = Hello();
        var (_, desc) = FindNote(image, XenNoteChecker.HypercallPage);
        image[desc] |= 0x10;
        Assert.Contains("XEN_ELFNOTE_HYPERCALL_PAGE", Reject(image));
        Assert.Contains("not page-aligned", Reject(image));
    }

    [Fact]
    public void Rejects_a_note_whose_size_runs_past_the_segment()
    {
        var image = Hello();
        var (header, _) = FindNote(image, XenNoteChecker.GuestOs);
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(header + 4), 4096);
        Assert.Contains("truncated", Reject(image));
    }

    [Fact]
    public void Rejects_an_unterminated_loader_string()
    {
        var image = Hello();
        var (header, desc) = FindNote(image, XenNoteChecker.Loader);
        int descsz = BinaryPrimitives.ReadInt32LittleEndian(image.AsSpan(header + 4));
        image[desc + descsz - 1] = (byte)'x';
        Assert.Contains("XEN_ELFNOTE_LOADER is not a NUL-terminated string", Reject(image));
    }

    [Fact]
    public void Rejects_an_entry_that_disagrees_with_the_elf_header()
    {
        var image = Hello();
        var (_, desc) = FindNote(image, XenNoteChecker.Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(desc), 0x100008);
        Assert.Contains("XEN_ELFNOTE_ENTRY", Reject(image));
    }

    [Fact]
    public void Rejects_a_file_that_is_not_elf() =>
        Assert.Contains("not an ELF file", Reject(Encoding.ASCII.GetBytes("#!/bin/sh\necho not a kernel\n")));

    [Fact]
    public void Command_line_checker_exits_nonzero_and_names_the_note()
    {
        var image = Hello();
        var (_, desc) = FindNote(image, XenNoteChecker.XenVersion);
        image[desc + 6] = (byte)'9';
        string path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(path, image);
        try
        {
            var result = HostProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "ukboot.dll"), "check", path]);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("XEN_ELFNOTE_XEN_VERSION is \"xen-3.9\", expected \"xen-3.0\"", result.Stderr);
        }
        finally { File.Delete(path); }
    }
}
