using System;
using System.CommandLine;
using System.IO;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

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

var outputOption = new Option<FileInfo?>("--output", "-o") { Description = "Write the guest symbol table (assembly) here" };
var verifyOption = new Option<bool>("--verify") { Description = "Check the table embedded in the image instead" };
var symbols = new Command("symbols", "Write an image's function names as an assembly table for the guest's own backtraces, or verify the embedded one") { imageArgument, outputOption, verifyOption };
symbols.SetAction(result =>
{
    var path = result.GetValue(imageArgument)!;
    try
    {
        byte[] elf = File.ReadAllBytes(path.FullName);
        if (result.GetValue(verifyOption))
        {
            GuestSymbolTable.Verify(elf);
            return 0;
        }
        var output = result.GetValue(outputOption) ?? throw new ImageException("--output is required unless --verify");
        File.WriteAllText(output.FullName, GuestSymbolTable.ToAssembly(GuestSymbolTable.TextSymbols(elf)));
        return 0;
    }
    catch (Exception e) when (e is ImageException or IOException)
    {
        Console.Error.WriteLine($"{path.FullName}: error: {e.Message}");
        return 1;
    }
});

var literals = new Command("literals", "Write the page range that holds only string literals into the linked image (in place), for the platform to map read-only") { imageArgument };
literals.SetAction(result =>
{
    var path = result.GetValue(imageArgument)!;
    try
    {
        byte[] elf = File.ReadAllBytes(path.FullName);
        var (start, end) = ReadOnlyLiterals.Patch(elf);
        File.WriteAllBytes(path.FullName, elf);
        Console.WriteLine($"ukboot: string literals read-only: {(end - start) / 4096} pages at 0x{start:x}");
        return 0;
    }
    catch (Exception e) when (e is ImageException or IOException)
    {
        Console.Error.WriteLine($"{path.FullName}: error: {e.Message}");
        return 1;
    }
});

var stubOption = new Option<FileInfo>("--stub") { Description = "The unpack stub's raw bytes (Unikernel.Boot/pack/unpack.S)", Required = true };
var packOutputOption = new Option<FileInfo>("--output", "-o") { Description = "Write the self-extracting image here", Required = true };
var pack = new Command("pack", "Make a stripped image self-extracting: its segments compressed behind an unpack stub that expands them before the image's entry") { imageArgument, stubOption, packOutputOption };
pack.SetAction(result =>
{
    var path = result.GetValue(imageArgument)!;
    try
    {
        byte[] plain = File.ReadAllBytes(path.FullName);
        byte[] packed = ImagePacker.Pack(plain, File.ReadAllBytes(result.GetValue(stubOption)!.FullName));
        File.WriteAllBytes(result.GetValue(packOutputOption)!.FullName, packed);
        Console.WriteLine($"ukboot: packed {path.Name}: {plain.Length} -> {packed.Length} bytes");
        return 0;
    }
    catch (Exception e) when (e is ImageException or IOException)
    {
        Console.Error.WriteLine($"{path.FullName}: error: {e.Message}");
        return 1;
    }
});

var topOption = new Option<int>("--top") { Description = "How many of the largest symbols to list", DefaultValueFactory = _ => 25 };
var size = new Command("size", "Say where an image's bytes go: its sections, string literals and largest symbols (give the .sym.elf; the .elf beside it is sized too)") { imageArgument, topOption };
size.SetAction(result =>
{
    var path = result.GetValue(imageArgument)!;
    try
    {
        // hello.sym.elf: also say how big the shipped hello.elf beside it is.
        string shipped = path.FullName.EndsWith(".sym.elf", StringComparison.Ordinal) ? path.FullName[..^".sym.elf".Length] + ".elf" : "";
        (string, long)? image = File.Exists(shipped) ? (Path.GetFileName(shipped), new FileInfo(shipped).Length) : null;
        Console.Write(SizeReport.Format(File.ReadAllBytes(path.FullName), result.GetValue(topOption), image));
        return 0;
    }
    catch (Exception e) when (e is ImageException or IOException or ArgumentException)
    {
        Console.Error.WriteLine($"{path.FullName}: error: {e.Message}");
        return 1;
    }
});

var cacheOption = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
var fetch = new Command("fetch", "Download Debian's Xen hypervisor into the cache (once)") { cacheOption };
fetch.SetAction(result =>
{
    try
    {
        Console.WriteLine($"ukboot: Xen hypervisor at {XenDistribution.EnsureHypervisor(result.GetValue(cacheOption)!, Console.Out)}");
        return 0;
    }
    catch (Exception e) when (e is InvalidOperationException or IOException)
    {
        Console.Error.WriteLine($"ukboot: error: {e.Message}");
        return 2;
    }
});

var root = new RootCommand("Unikernel.NET host tools") { check, symbols, literals, pack, size, fetch, RunCommand.Create() };
return root.Parse(args).Invoke();
