using System.IO;
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
    public void The_assembly_table_lists_addresses_in_order_with_name_offsets()
    {
        string text = GuestSymbolTable.ToAssembly([(0x100000UL, "a"), (0x100010UL, "bc"), (0x100020UL, "d\"e")]);
        Assert.Contains(".long 3, 0", text);
        Assert.Contains(".long 0x100000, 0", text);
        Assert.Contains(".long 0x100010, 2", text);
        Assert.Contains(".long 0x100020, 5", text);
        Assert.Contains(".asciz \"d\\\"e\"", text);
    }
}
