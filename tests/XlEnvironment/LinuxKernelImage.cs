using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// Takes the vmlinux ELF out of a Linux bzImage. Xen can boot either, but it decompresses a bzImage's xz
// payload itself, which under QEMU's TCG costs 3 to 5 seconds of every run; done once on the host, it is free.
public static class LinuxKernelImage
{
    public static byte[] ExtractElf(string bzImage, string workDir)
    {
        byte[] data = File.ReadAllBytes(bzImage);
        // Boot protocol (Documentation/x86/boot.rst): setup_sects at 0x1f1 (0 means 4), "HdrS" at 0x202,
        // payload_offset/payload_length at 0x248/0x24c, relative to the protected-mode code after the setup.
        if (data.Length < 0x250 || BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x202)) != 0x53726448)
            throw new InvalidOperationException($"{bzImage} is not a Linux bzImage (no HdrS signature)");
        int setupSectors = data[0x1f1] == 0 ? 4 : data[0x1f1];
        int offset = (setupSectors + 1) * 512 + (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x248));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(0x24c));
        var payload = data.AsSpan(offset, length);

        byte[] elf;
        if (payload.StartsWith(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }))
        {
            // xz; the kernel appends the decompressed size after the stream, which --single-stream ignores.
            string compressed = Path.Combine(workDir, "vmlinux.xz");
            File.WriteAllBytes(compressed, payload.ToArray());
            DebianArchive.Run("xz", new[] { "-d", "-f", "--single-stream", compressed }, workDir,
                $"xz could not decompress the kernel in {bzImage} (install xz-utils)");
            elf = File.ReadAllBytes(Path.Combine(workDir, "vmlinux"));
        }
        else if (payload.StartsWith(new byte[] { 0x1f, 0x8b }))
        {
            using var input = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            elf = output.ToArray();
        }
        else throw new InvalidOperationException($"the kernel in {bzImage} is compressed with a method this does not handle (magic {Convert.ToHexString(payload[..4])})");

        ElfImage.Parse(elf); // fails clearly if this is not the ELF we expect
        return elf;
    }
}
