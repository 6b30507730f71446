using System;
using System.Diagnostics;
using System.IO;
using Unikernel.Tests.Xen;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Boot;

// The Unikernel.NET package as a user meets it: packed from this repository into a local folder feed, then
// a new project in a temporary folder outside the repository references it and builds an image with plain
// `dotnet build` (and `dotnet publish`), which boots under real Xen.
[Collection(XenCollection.Name)]
public class PackagedAppTests
{
    private const string AppProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Unikernel.NET" Version="{0}" />
          </ItemGroup>
        </Project>
        """;

    private const string AppProgram = """
        using System;
        using Unikernel;
        using Unikernel.Core.Text;

        public static unsafe class Program
        {
            public static int Main()
            {
                Console.WriteLine("hello from a packaged app");
                Span<char> buffer = stackalloc char[200];
                var text = new TextBuilder(buffer);
                text.Append("packaged: cmdline=");
                ReadOnlySpan<byte> cmdline = DomainFacts.CommandLine;
                for (int i = 0; i < cmdline.Length; i++) text.Append((char)cmdline[i]);
                text.Append(" dom0=");
                text.Append(DomainFacts.IsDom0 ? "yes" : "no");
                text.Append(" clock_running=");
                text.Append(Clock.Now > 0 ? "yes" : "no");
                Console.WriteLine(text.Text);
                Lifecycle.AddShutdownHook(&Goodbye);
                return 0;
            }

            private static void Goodbye(ShutdownReason reason) => Console.WriteLine("packaged: goodbye");
        }
        """;

    [Fact]
    public void A_project_outside_the_repo_builds_a_bootable_image_from_the_packed_package()
    {
        // A version of its own, so NuGet's global package cache never serves an older pack of the same name.
        string version = $"{ReadVersion()}-test.{Environment.ProcessId}.{DateTime.UtcNow:HHmmssfff}";
        string root = Path.Combine(Path.GetTempPath(), $"uk-package-{Environment.ProcessId}");
        string feed = Path.Combine(root, "feed"), app = Path.Combine(root, "app");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        Directory.CreateDirectory(feed);
        Directory.CreateDirectory(app);
        try
        {
            Tool.Run("dotnet", Repo.Root, "pack", "package/Unikernel.NET.csproj", "-c", Configuration, "-o", feed,
                $"-p:UnikernelVersion={version}", "-nologo", "-v:q", "-nodeReuse:false");
            Assert.True(File.Exists(Path.Combine(feed, $"Unikernel.NET.{version}.nupkg")), "dotnet pack wrote no package");

            // Only the local feed and nuget.org (for ilc, a dependency of the package).
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "MyAppliance.csproj"), string.Format(AppProject, version));
            File.WriteAllText(Path.Combine(app, "Program.cs"), AppProgram);

            string output = Tool.Run("dotnet", app, "build", "-nologo", "-nodeReuse:false");
            string image = Path.Combine(app, "bin", "Debug", "net10.0", "MyAppliance.elf");
            Assert.True(File.Exists(image), "no image after dotnet build:\n" + output);
            Assert.Contains("MyAppliance.elf: ok (", output); // the package's ukboot checked the notes
            Assert.Equal("Unikernel.NET", XenNoteChecker.Check(ElfImage.Load(image)).GuestOs);

            // dotnet publish ships the image.
            string published = Path.Combine(app, "out");
            Tool.Run("dotnet", app, "publish", "-o", published, "-nologo", "-nodeReuse:false");
            Assert.True(File.Exists(Path.Combine(published, "MyAppliance.elf")), "dotnet publish left no image in " + published);

            var boot = XenBoot.Run(new BootOptions
            {
                Image = image,
                CommandLine = "from-the-package",
                Timeout = TimeSpan.FromSeconds(90),
                CacheDir = Repo.Cache,
            });
            Boots.AssertOutcome(BootOutcome.PowerOff, boot);
            Boots.AssertContains("hello from a packaged app", boot);
            Boots.AssertContains("packaged: cmdline=from-the-package dom0=yes clock_running=yes", boot);
            Boots.AssertContains("packaged: goodbye", boot);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
            string cached = Path.Combine(NuGetPackages, "unikernel.net", version);
            if (Directory.Exists(cached)) Directory.Delete(cached, true);
        }
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static string NuGetPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    // The package version lives in Directory.Build.props (UnikernelVersion).
    private static string ReadVersion()
    {
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props"));
        foreach (var element in props.Descendants("UnikernelVersion")) return element.Value.Trim();
        throw new InvalidOperationException("Directory.Build.props has no UnikernelVersion");
    }
}
