using System;
using System.IO;
using Unikernel.Tools.Ukboot.Image;

namespace Unikernel.Tests.Tools.Ukboot.Image;

public class ElfNeededTests
{
    // The test host itself (dotnet) is a dynamically linked Linux executable.
    [Fact]
    public void Reads_the_needed_libraries_of_a_dynamic_executable()
    {
        var needed = ElfImage.ReadNeeded(File.ReadAllBytes(Environment.ProcessPath!));
        Assert.Contains("libc.so.6", needed);
    }

    // Our guest images are static: no PT_DYNAMIC, nothing needed.
    [Fact]
    public void A_static_image_needs_nothing()
    {
        Assert.Empty(ElfImage.ReadNeeded(File.ReadAllBytes(Repo.Image("hello"))));
    }
}
