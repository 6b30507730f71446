using System;
using System.CommandLine;
using System.IO;
using Unikernel.Boot.Host;

// ukboot: check an image's Xen notes, or boot it under Xen in QEMU.
var imageArgument = new Argument<FileInfo>("image") { Description = "The guest ELF image" };

var check = new Command("check", "Check that an image carries valid Xen notes") { imageArgument };
check.SetAction(result =>
{
    var path = result.GetValue(imageArgument)!;
    try
    {
        var summary = XenNoteChecker.Check(ElfImage.Load(path.FullName));
        Console.WriteLine($"{path.Name}: ok ({path.Length} bytes, guest {summary.GuestOs}, entry 0x{summary.Entry:x}, hypercall page 0x{summary.HypercallPage:x})");
        return 0;
    }
    catch (Exception e) when (e is ImageException or IOException)
    {
        Console.Error.WriteLine($"{path.FullName}: error: {e.Message}");
        return 1;
    }
});

var root = new RootCommand("Unikernel.NET host tools") { check, RunCommand.Create() };
return root.Parse(args).Invoke();
