using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Unikernel.XlEnvironment;

// Writes a cpio archive in the "newc" format Linux unpacks into its initramfs. Parent directories are added
// on demand, times are zero so equal inputs give equal archives. Linux accepts several archives one after
// another, so a run can append its own small archive to a cached base one.
public sealed class CpioArchive : IDisposable
{
    private const int ModeDirectory = 0x4000, ModeFile = 0x8000, ModeSymlink = 0xA000;
    private readonly Stream _output;
    private readonly HashSet<string> _directories = new() { "" };
    private uint _nextInode;
    private bool _finished;

    // inodeBase keeps inode numbers of appended archives apart from the base archive's.
    public CpioArchive(Stream output, uint inodeBase = 1)
    {
        _output = output;
        _nextInode = inodeBase;
    }

    public void AddDirectory(string path, int permissions = 0x1ED /* 0755 */)
    {
        path = Normalize(path);
        if (!_directories.Add(path)) return;
        AddParents(path);
        WriteEntry(path, ModeDirectory | permissions, ReadOnlySpan<byte>.Empty);
    }

    public void AddFile(string path, ReadOnlySpan<byte> content, int permissions = 0x1A4 /* 0644 */)
    {
        path = Normalize(path);
        AddParents(path);
        WriteEntry(path, ModeFile | permissions, content);
    }

    public void AddFile(string path, string text, int permissions = 0x1A4) => AddFile(path, Encoding.UTF8.GetBytes(text), permissions);

    public void AddSymlink(string path, string target)
    {
        path = Normalize(path);
        AddParents(path);
        WriteEntry(path, ModeSymlink | 0x1FF, Encoding.UTF8.GetBytes(target));
    }

    // The trailer entry ends the archive; Linux then looks for the next one.
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        WriteEntry("TRAILER!!!", 0, ReadOnlySpan<byte>.Empty, inode: 0);
    }

    public void Dispose() => Finish();

    // Names are relative to the initramfs root; a "..", "." or empty component, or a control character, is
    // refused rather than left for the kernel's unpacker to interpret.
    private static string Normalize(string path)
    {
        string normalized = path.Replace('\\', '/').Trim('/');
        foreach (var part in normalized.Split('/'))
            if (part is "" or "." or ".." || part.Any(char.IsControl))
                throw new ArgumentException($"cpio path \"{path}\" has an empty, \".\", \"..\" or control-character component");
        return normalized;
    }

    private void AddParents(string path)
    {
        int slash = path.LastIndexOf('/');
        if (slash > 0) AddDirectory(path[..slash]);
    }

    private void WriteEntry(string name, int mode, ReadOnlySpan<byte> content, uint? inode = null)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        var header = new StringBuilder("070701");
        void Field(long value) => header.Append(((uint)value).ToString("x8"));
        Field(inode ?? _nextInode++);
        Field(mode);
        Field(0); // uid: root
        Field(0); // gid
        Field((mode & ModeDirectory) != 0 ? 2 : 1); // nlink
        Field(0); // mtime
        Field(content.Length);
        Field(0); Field(0); // devmajor, devminor
        Field(0); Field(0); // rdevmajor, rdevminor
        Field(nameBytes.Length + 1);
        Field(0); // check
        _output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        _output.Write(nameBytes);
        _output.WriteByte(0);
        Pad(110 + nameBytes.Length + 1);
        _output.Write(content);
        Pad(content.Length);
    }

    // The names in an archive this class wrote (newc), so an archive appended to it can leave out what it has.
    public static HashSet<string> ReadNames(string path)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var input = File.OpenRead(path);
        var header = new byte[110];
        while (input.Read(header) == header.Length)
        {
            string text = Encoding.ASCII.GetString(header);
            if (!text.StartsWith("070701", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: no newc header at {input.Position - 110}");
            int Field(int index) => Convert.ToInt32(text.Substring(6 + index * 8, 8), 16);
            int size = Field(6), nameSize = Field(11);
            var name = new byte[nameSize];
            input.ReadExactly(name);
            string entry = Encoding.UTF8.GetString(name, 0, nameSize - 1);
            if (entry == "TRAILER!!!") break;
            names.Add(entry);
            input.Seek(Align(110 + nameSize) - (110 + nameSize) + Align(size), SeekOrigin.Current);
        }
        return names;
    }

    private static long Align(long length) => (length + 3) & ~3L;

    // Header plus name, and the data, each end on a 4-byte boundary.
    private void Pad(int length)
    {
        for (int i = length; i % 4 != 0; i++) _output.WriteByte(0);
    }
}
