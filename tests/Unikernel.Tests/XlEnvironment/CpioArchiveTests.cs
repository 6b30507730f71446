using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.XlEnvironment;

public class CpioArchiveTests
{
    private sealed record Entry(string Name, int Mode, uint Inode, byte[] Data);

    // A reader written from the newc description (the kernel's init/initramfs.c reads the same fields).
    private static List<Entry> Read(byte[] archive)
    {
        var entries = new List<Entry>();
        int pos = 0;
        while (pos < archive.Length)
        {
            string header = Encoding.ASCII.GetString(archive, pos, 110);
            Assert.Equal("070701", header[..6]);
            uint Field(int i) => Convert.ToUInt32(header.Substring(6 + 8 * i, 8), 16);
            int nameSize = (int)Field(11), fileSize = (int)Field(6);
            string name = Encoding.ASCII.GetString(archive, pos + 110, nameSize - 1);
            Assert.Equal(0, archive[pos + 110 + nameSize - 1]);
            pos = Align(pos + 110 + nameSize);
            entries.Add(new Entry(name, (int)Field(1), Field(0), archive.AsSpan(pos, fileSize).ToArray()));
            pos = Align(pos + fileSize);
            if (name == "TRAILER!!!") break;
        }
        Assert.Equal(archive.Length, pos);
        return entries;
    }

    private static int Align(int n) => (n + 3) & ~3;

    [Fact]
    public void Writes_newc_entries_with_parents_first_and_a_trailer()
    {
        var output = new MemoryStream();
        using (var cpio = new CpioArchive(output))
        {
            cpio.AddFile("usr/lib/xen-4.17/bin/xl", new byte[] { 1, 2, 3, 4, 5 }, 0x1ED);
            cpio.AddSymlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
            cpio.AddDirectory("usr/lib"); // already there: not written twice
        }
        var entries = Read(output.ToArray());
        Assert.Equal(new[] { "usr", "usr/lib", "usr/lib/xen-4.17", "usr/lib/xen-4.17/bin", "usr/lib/xen-4.17/bin/xl", "lib64", "lib64/ld-linux-x86-64.so.2", "TRAILER!!!" },
            entries.ConvertAll(e => e.Name));
        Assert.Equal(0x41ED, entries[0].Mode);
        Assert.Equal(0x81ED, entries[4].Mode);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, entries[4].Data);
        Assert.Equal(0xA1FF, entries[6].Mode);
        Assert.Equal("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", Encoding.ASCII.GetString(entries[6].Data));
        var inodes = new HashSet<uint>();
        foreach (var e in entries[..^1]) Assert.True(inodes.Add(e.Inode), $"inode {e.Inode} used twice");
    }

    // ReadNames lists what an archive holds (the libvirt layer leaves out the base's libraries by it): every
    // entry of odd-sized names and contents, and nothing after the trailer.
    [Fact]
    public void ReadNames_lists_every_entry_up_to_the_trailer()
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var output = File.Create(path))
            {
                using (var cpio = new CpioArchive(output))
                {
                    cpio.AddFile("lib/x86_64-linux-gnu/libc.so.6", new byte[] { 1, 2, 3 });
                    cpio.AddSymlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
                    cpio.AddFile("etc/a", new byte[6]);
                }
                using var appended = new CpioArchive(output, inodeBase: 1000);
                appended.AddFile("scenario/after", new byte[1]);
            }
            Assert.Equal(new[] { "etc", "etc/a", "lib", "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libc.so.6", "lib64", "lib64/ld-linux-x86-64.so.2" },
                new SortedSet<string>(CpioArchive.ReadNames(path), StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Equal_inputs_give_equal_archives_and_appended_archives_start_at_their_inode_base()
    {
        byte[] Build(uint inodeBase)
        {
            var output = new MemoryStream();
            using (var cpio = new CpioArchive(output, inodeBase)) cpio.AddFile("scenario/scenario.sh", "xl list\n", 0x1ED);
            return output.ToArray();
        }
        Assert.Equal(Build(1), Build(1));
        Assert.Equal(1_000_000u, Read(Build(1_000_000))[0].Inode);
    }

    [Theory]
    [InlineData("scenario/../etc/passwd")]
    [InlineData("../x")]
    [InlineData("scenario/./x")]
    [InlineData("scenario//x")]
    [InlineData("scenario/a\nb.cfg")]
    public void Refuses_paths_that_climb_or_hide(string path)
    {
        using var cpio = new CpioArchive(new MemoryStream());
        Assert.Throws<ArgumentException>(() => cpio.AddFile(path, "x"));
    }
}
