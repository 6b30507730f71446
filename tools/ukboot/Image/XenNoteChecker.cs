using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Unikernel.Tools.Ukboot.Image;

// Checks what Xen's domain builder needs from a 64-bit PV image (xen/include/public/elfnote.h,
// xen/common/libelf/libelf-dominfo.c) before Xen gets to refuse it with "no loader found".
// Every failure names the note or header at fault.
public static class XenNoteChecker
{
    // XEN_ELFNOTE_* numbers from elfnote.h.
    public const uint Entry = 1, HypercallPage = 2, VirtBase = 3, PaddrOffset = 4, XenVersion = 5,
        GuestOs = 6, Loader = 8, Features = 10;

    private static readonly Dictionary<uint, string> Names = new()
    {
        [Entry] = "XEN_ELFNOTE_ENTRY", [HypercallPage] = "XEN_ELFNOTE_HYPERCALL_PAGE",
        [VirtBase] = "XEN_ELFNOTE_VIRT_BASE", [PaddrOffset] = "XEN_ELFNOTE_PADDR_OFFSET",
        [XenVersion] = "XEN_ELFNOTE_XEN_VERSION", [GuestOs] = "XEN_ELFNOTE_GUEST_OS",
        [Loader] = "XEN_ELFNOTE_LOADER", [Features] = "XEN_ELFNOTE_FEATURES",
    };

    public static string NoteName(uint type) => Names.TryGetValue(type, out var n) ? n : $"Xen note type {type}";

    public sealed record Summary(string GuestOs, ulong HypercallPage, ulong Entry, string Features);

    // Returns the parsed facts, or throws ImageException naming the first problem.
    public static Summary Check(ElfImage image)
    {
        if (image.Machine != 62) throw new ImageException($"ELF e_machine is {image.Machine}, not EM_X86_64 (62)");
        if (image.Type != 2) throw new ImageException($"ELF e_type is {image.Type}, not ET_EXEC (2)");

        var loads = image.Segments.Where(s => s.Type == ElfImage.PtLoad).ToList();
        if (loads.Count == 0) throw new ImageException("no PT_LOAD segment");
        foreach (var s in loads)
        {
            if ((s.Flags & ElfImage.PfW) != 0 && (s.Flags & ElfImage.PfX) != 0)
                throw new ImageException($"PT_LOAD at 0x{s.VirtualAddress:x} is both writable and executable");
            if (s.VirtualAddress < 0x1000)
                throw new ImageException($"PT_LOAD at 0x{s.VirtualAddress:x} covers page 0, which must stay unmapped");
        }

        var xen = image.Notes.Where(n => n.Owner == "Xen").ToList();
        if (xen.Count == 0) throw new ImageException("no Xen notes: the image needs a PT_NOTE segment with notes owned by \"Xen\"");
        foreach (var group in xen.GroupBy(n => n.Type).Where(g => g.Count() > 1))
            throw new ImageException($"{NoteName(group.Key)} appears {group.Count()} times");

        string guestOs = RequiredString(xen, GuestOs);
        if (guestOs.Length == 0) throw new ImageException($"{NoteName(GuestOs)} is empty");
        string version = RequiredString(xen, XenVersion);
        if (version != "xen-3.0") throw new ImageException($"{NoteName(XenVersion)} is \"{version}\", expected \"xen-3.0\"");
        string loader = RequiredString(xen, Loader);
        if (loader != "generic") throw new ImageException($"{NoteName(Loader)} is \"{loader}\", expected \"generic\"");

        ulong virtBase = OptionalAddress(xen, VirtBase) ?? 0;
        OptionalAddress(xen, PaddrOffset);

        ulong hypercallPage = OptionalAddress(xen, HypercallPage)
            ?? throw new ImageException($"{NoteName(HypercallPage)} is missing: without it Xen writes no hypercall page");
        if ((hypercallPage & 0xfff) != 0)
            throw new ImageException($"{NoteName(HypercallPage)} 0x{hypercallPage:x} is not page-aligned");
        if (!InExecutable(loads, hypercallPage, 4096))
            throw new ImageException($"{NoteName(HypercallPage)} 0x{hypercallPage:x} is not inside an executable PT_LOAD segment");

        ulong entry = OptionalAddress(xen, Entry) ?? image.Entry;
        if (entry != image.Entry)
            throw new ImageException($"{NoteName(Entry)} 0x{entry:x} differs from the ELF entry point 0x{image.Entry:x}");
        if (!InExecutable(loads, entry, 1))
            throw new ImageException($"{NoteName(Entry)} 0x{entry:x} is not inside an executable PT_LOAD segment");

        string features = "";
        if (xen.Any(n => n.Type == Features))
        {
            features = RequiredString(xen, Features);
            foreach (var f in features.Split('|'))
            {
                var name = f.StartsWith('!') ? f[1..] : f;
                if (name.Length == 0 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
                    throw new ImageException($"{NoteName(Features)} has a malformed feature \"{f}\" in \"{features}\"");
            }
        }
        return new Summary(guestOs, hypercallPage, entry, features);
    }

    private static bool InExecutable(List<ElfImage.Segment> loads, ulong address, ulong length) =>
        loads.Any(s => (s.Flags & ElfImage.PfX) != 0 && address >= s.VirtualAddress && address + length <= s.VirtualAddress + s.MemorySize);

    private static string RequiredString(List<ElfImage.Note> notes, uint type)
    {
        var note = notes.FirstOrDefault(n => n.Type == type)
            ?? throw new ImageException($"{NoteName(type)} is missing");
        var d = note.Descriptor;
        int nul = Array.IndexOf(d, (byte)0);
        if (nul < 0) throw new ImageException($"{NoteName(type)} is not a NUL-terminated string");
        var text = Encoding.ASCII.GetString(d, 0, nul);
        if (text.Any(c => c < 0x20 || c > 0x7e)) throw new ImageException($"{NoteName(type)} holds non-printable characters");
        return text;
    }

    private static ulong? OptionalAddress(List<ElfImage.Note> notes, uint type)
    {
        var note = notes.FirstOrDefault(n => n.Type == type);
        if (note is null) return null;
        return note.Descriptor.Length switch
        {
            8 => BinaryPrimitives.ReadUInt64LittleEndian(note.Descriptor),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(note.Descriptor),
            _ => throw new ImageException($"{NoteName(type)} has a {note.Descriptor.Length}-byte value, expected 4 or 8"),
        };
    }
}
