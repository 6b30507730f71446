using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tests.Tools.Ukboot.Image;

// The name table the build embeds for the guest's own backtraces (GuestSymbolTable.cs).
public class GuestSymbolTableTests
{
    private static string ObjFile(string name) => Path.Combine(Repo.Root, "samples", "Hello", "obj", "Debug", "net10.0", "unikernel", name);

    [Fact]
    public void The_final_image_carries_a_table_of_its_own_functions()
    {
        byte[] image = File.ReadAllBytes(Repo.Image("hello.sym"));
        GuestSymbolTable.Verify(image); // throws on any difference
        var functions = GuestSymbolTable.TextSymbols(image);
        Assert.Contains(functions, f => f.Name == "Hello_Program__Main");
        Assert.True(functions.Count > 100, $"only {functions.Count} functions");
    }

    [Fact]
    public void The_first_link_has_only_the_empty_placeholder_and_fails_verification()
    {
        string first = ObjFile("hello.first.elf");
        Assert.True(File.Exists(first), first + " is missing: build samples/Hello first");
        var error = Assert.Throws<ImageException>(() => GuestSymbolTable.Verify(File.ReadAllBytes(first)));
        Assert.Contains("embedded symbol table has 0 functions", error.Message);
    }

    [Fact]
    public void The_assembly_table_front_codes_names_and_delta_codes_addresses()
    {
        string text = GuestSymbolTable.ToAssembly([(0x100000UL, "Ns_A__Run"), (0x100010UL, "Ns_A__Stop"), (0x100200UL, "d\"e")]);
        Assert.Contains(".long 3, 0", text);
        Assert.Contains(".uleb128 0x100000\n        .byte 0\n        .asciz \"Ns_A__Run\"", text.ReplaceLineEndings("\n"));
        Assert.Contains(".uleb128 0x10\n        .byte 6\n        .asciz \"Stop\"", text.ReplaceLineEndings("\n"));
        Assert.Contains(".uleb128 0x1f0\n        .byte 0\n        .asciz \"d\\\"e\"", text.ReplaceLineEndings("\n"));
        Assert.Throws<ImageException>(() => GuestSymbolTable.ToAssembly([(0x100010UL, "b"), (0x100000UL, "a")]));
        Assert.Throws<ImageException>(() => GuestSymbolTable.ToAssembly([(0x100000UL, new string('x', GuestSymbolTable.MaxName + 1))]));
    }

    [Fact]
    public void Decode_reads_back_what_the_encoding_describes()
    {
        // count 3; 0x100000 as ULEB128 (80 80 40), shared 0, "Ns_A__Run"; +0x10, shared 6, "Stop"; +0x1f0 (f0 03), shared 0, "x"
        byte[] table = [3, 0, 0, 0, 0, 0, 0, 0,
            0x80, 0x80, 0x40, 0, .. "Ns_A__Run"u8, 0,
            0x10, 6, .. "Stop"u8, 0,
            0xf0, 0x03, 0, (byte)'x', 0];
        Assert.Equal(new (ulong, string)[] { (0x100000, "Ns_A__Run"), (0x100010, "Ns_A__Stop"), (0x100200, "x") }, GuestSymbolTable.Decode(table));
        Assert.Throws<ImageException>(() => GuestSymbolTable.Decode(table[..^3]));   // cut inside the last entry
        table[8 + 3 + 1 + 10 + 1] = 12;                                                // shares more than the name has
        Assert.Throws<ImageException>(() => GuestSymbolTable.Decode(table));
    }

    // Front coding is what keeps the table small enough for the image-size goal: in Hello's table the
    // names take well under half the bytes they take as plain strings.
    [Fact]
    public void The_coded_table_is_under_half_the_plain_names()
    {
        byte[] image = File.ReadAllBytes(Repo.Image("hello.sym"));
        var functions = GuestSymbolTable.TextSymbols(image);
        int plain = functions.Sum(f => f.Name.Length + 1 + 8); // names, NULs, { uint address, uint offset }
        var report = SizeReport.LargestSymbols(image, int.MaxValue);
        ulong coded = report.Single(s => s.Name == "uk_symbol_table").Size;
        Assert.True(coded < (ulong)plain / 2, $"the table takes {coded} bytes, plain names {plain}");
    }

    // The first function is _start, not an absolute symbol that equals its address (ld's --defsym
    // UNIKERNEL_HEAP_SIZE=0x100000 did, and took its name in the table).
    [Fact]
    public void Absolute_symbols_are_not_function_names()
    {
        byte[] image = File.ReadAllBytes(Repo.Image("hello.sym"));
        var functions = GuestSymbolTable.TextSymbols(image);
        Assert.Equal((ElfImage.ReadSymbols(image)["__uk_image_start"], "_start"), functions[0]);
    }
}
