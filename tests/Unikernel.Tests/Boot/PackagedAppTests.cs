using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Unikernel.Tests.Xen;
using Unikernel.Tools.Ukboot;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

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
        string version = TestVersion();
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
            AssertPackageMetadata(Path.Combine(feed, $"Unikernel.NET.{version}.nupkg"));
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Unikernel.NET.{version}.nupkg")))
                foreach (var tool in new[] { "tools/ukboot/ukboot.dll", "tools/ukxl/ukxl.dll", "tools/ukxl/ukboot.dll", "platform/xen/Unikernel.Xen.xml", "guest/Unikernel.Core.xml" })
                    Assert.Contains(zip.Entries, e => e.FullName == tool);

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
            Assert.Equal(["MyAppliance.elf", "MyAppliance.sym.elf"], Directory.GetFileSystemEntries(published).Select(Path.GetFileName).Order());

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

    // README's "Your first appliance", command by command, in an empty folder outside the repository: the
    // templates from the packed package, then build, a scripted `dotnet run`, typing on a terminal, and the
    // plain error top-level statements get.
    [Fact]
    public void A_new_user_gets_an_appliance_from_the_templates_that_builds_and_runs()
    {
        using var templates = new TemplateWorkspace("uk-templates");
        string feed = templates.Feed, hive = templates.Hive, work = templates.Work;
        AssertPackageMetadata(Path.Combine(feed, $"Unikernel.NET.Templates.{templates.Version}.nupkg"));
        Tool.Run("dotnet", work, "new", "unikernel-appliance", "-n", "kv", "--feed", feed, "--debug:custom-hive", hive);
        string kv = Path.Combine(work, "kv");
        string cfg = File.ReadAllText(Path.Combine(kv, "kv.cfg"));
        Assert.Contains("name = \"kv\"", cfg);
        // Network and disk are offered, commented out: xl create works without a bridge or a disk file.
        Assert.Contains("\n# vif = ['bridge=xenbr0, ip=169.254.0.2']\n", cfg);
        Assert.Contains("\n# disk = ['format=raw, vdev=xvda, access=rw, target=/var/lib/xen/images/kv.img']\n", cfg);
        Assert.DoesNotContain("#if", cfg);

        string build = Tool.Run("dotnet", kv, "build", "-nologo", "-nodeReuse:false");
        Assert.True(File.Exists(Path.Combine(kv, "bin", "Debug", "net10.0", "kv.elf")), "no kv.elf after dotnet build:\n" + build);

        // What ships: the image, its symbols and the xl cfg.
        Tool.Run("dotnet", kv, "publish", "-o", "out", "-nologo", "-nodeReuse:false");
        Assert.Equal(["kv.cfg", "kv.elf", "kv.sym.elf"], Directory.GetFileSystemEntries(Path.Combine(kv, "out")).Select(Path.GetFileName).Order());

        // Scripted: the template's requests.txt on stdin.
        var scripted = HostProcess.Run("/bin/sh", ["-c", "dotnet run < requests.txt"], kv, TimeSpan.FromMinutes(3), Repo.CacheEnvironment);
        Assert.True(scripted.ExitCode == 0, $"dotnet run < requests.txt exited with {scripted.ExitCode}:\n{scripted.Stdout}\n{scripted.Stderr}");
        Assert.Matches(@"(?m)^ok\nvalue hello world\nkeys 1: greeting\nok bye$", scripted.Stdout.Replace("\r", ""));
        Assert.DoesNotContain("(XEN)", scripted.Stdout);

        // The same as a domU, made by xl create -c kv.cfg in a Linux dom0 (ukxl from the package).
        var xl = HostProcess.Run("/bin/sh", ["-c", "dotnet run -p:UnikernelRunEnvironment=xl < requests.txt"], kv, TimeSpan.FromMinutes(5), Repo.CacheEnvironment);
        Assert.True(xl.ExitCode == 0, $"dotnet run under xl exited with {xl.ExitCode}:\n{xl.Stdout}\n{xl.Stderr}");
        Assert.Matches(@"(?m)^ok\nvalue hello world\nkeys 1: greeting\nok bye$", xl.Stdout.Replace("\r", ""));
        Assert.Contains("ukxl: xl create -c kv.cfg", xl.Stderr);

        // Typed on a terminal.
        using (var terminal = new Terminal("dotnet run", kv, Repo.CacheEnvironment))
        {
            int at = terminal.WaitFor("# kv ready", TimeSpan.FromMinutes(3));
            Assert.Equal(0, terminal.SetGetQuit("colour", "green", at, TimeSpan.FromSeconds(30)));
        }

        // The plain template, with arguments after -- as the guest's command line.
        Tool.Run("dotnet", work, "new", "unikernel", "-n", "hello", "--feed", feed, "--debug:custom-hive", hive);
        string hello = Path.Combine(work, "hello");
        var run = HostProcess.Run("dotnet", ["run", "--", "mode=demo"], hello, TimeSpan.FromMinutes(5), Repo.CacheEnvironment);
        Assert.True(run.ExitCode == 0, $"dotnet run exited with {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("Hello from hello!", run.Stdout);
        Assert.Contains("command line \"mode=demo\"", run.Stdout);

        // Top-level statements: one plain error at the user's line, none inside the generated entry shim.
        File.WriteAllText(Path.Combine(hello, "Program.cs"), "using Unikernel;\n\nConsole.WriteLine(\"top-level\");\n");
        var topLevel = HostProcess.Run("dotnet", ["build", "-nologo", "-nodeReuse:false"], hello, TimeSpan.FromMinutes(3));
        Assert.NotEqual(0, topLevel.ExitCode);
        Assert.Contains("Program.cs(3): error UK0011: top-level statements cannot be a Unikernel.NET image's entry point", topLevel.Stdout);
        Assert.DoesNotContain("UnikernelEntry.g.cs", topLevel.Stdout);
    }

    // The appliance template with its options, under the real toolstack: the cfg's vif and disk lines enabled,
    // another port; dom0 talks the line protocol over TCP (nc), and a second domain on the same disk finds the
    // keys the first one set.
    [Fact]
    public void The_appliance_template_serves_tcp_and_keeps_its_keys_on_a_disk_under_xl()
    {
        using var templates = new TemplateWorkspace("uk-templates-net");
        string feed = templates.Feed, hive = templates.Hive, work = templates.Work;
        Tool.Run("dotnet", work, "new", "unikernel-appliance", "-n", "kv", "--feed", feed, "--port", "7100", "--network", "--disk", "--debug:custom-hive", hive);
        string kv = Path.Combine(work, "kv");
        string cfg = File.ReadAllText(Path.Combine(kv, "kv.cfg"));
        Assert.Contains("\nvif = ['bridge=xenbr0, ip=169.254.0.2']\n", cfg);
        Assert.Contains("\ndisk = ['format=raw, vdev=xvda, access=rw, target=/var/lib/xen/images/kv.img']\n", cfg);
        Assert.Contains("DefaultPort = 7100;", File.ReadAllText(Path.Combine(kv, "Program.cs")));
        string build = Tool.Run("dotnet", kv, "build", "-nologo", "-nodeReuse:false");
        string image = Path.Combine(kv, "bin", "Debug", "net10.0", "kv.elf");
        Assert.True(File.Exists(image), "no kv.elf after dotnet build:\n" + build);

        const string Nc = "timeout 30 nc.openbsd -N -w 10 169.254.0.2 7100";
        var scenario = XlAsserts.Scenario(XlScenario.ConsoleHelpers + $$"""
            step make-disk sh -c 'mkdir -p /var/lib/xen/images && dd if=/dev/zero of=/var/lib/xen/images/kv.img bs=1k count=1024'
            step create-1 xl create kv.cfg
            step listening-1 wait_console kv "listening on" 120
            step tcp-1 sh -c 'printf "set colour green\nset shape round\ndel shape\nfrobnicate x\nkeys\nquit\n" | {{Nc}}'
            step console-1 type_console kv 'get colour\r'
            step console-reply-1 wait_console kv "value green" 30
            step shutdown-1 xl shutdown -w kv
            step create-2 xl create kv2.cfg
            step listening-2 wait_console kv2 "listening on" 120
            step tcp-2 sh -c 'printf "get colour\n" | {{Nc}}'
            step quit-2 type_console kv2 'quit\r'
            step gone-2 wait_gone kv2 60
            """, 600, "packaged-xl-template.log");
        scenario.Guests.Add(new XlGuest("kv", image, cfg));
        scenario.Guests.Add(new XlGuest("kv2", image, cfg.Replace("name = \"kv\"", "name = \"kv2\"")));
        var run = XlSession.Run(scenario);

        Assert.Equal("ok\nok\nok\nerror unknown command (try help)\nkeys 1: colour\nok bye\n", run.AssertStepOk("tcp-1").Replace("\r", ""));
        foreach (var step in new[] { "listening-1", "console-reply-1", "shutdown-1", "listening-2", "gone-2" }) run.AssertStepOk(step);
        string first = run.GuestConsole("kv"), second = run.GuestConsole("kv2");
        Assert.Contains("# kv: disk xvda was not ours: starting an empty store on it", first);
        Assert.Contains("# kv: listening on 169.254.0.2:7100", first);
        Assert.Contains("# kv: goodbye (1 of 16 keys kept on disk xvda)", first);
        Assert.Contains("# kv: disk xvda: 1 of 16 keys", second);
        Assert.Equal("value green\n", run.AssertStepOk("tcp-2").Replace("\r", ""));
    }

    // A temporary folder with both packages packed into a feed under a version of their own (so NuGet's
    // global package cache never serves an older pack) and the templates installed into a hive of their own
    // (which keeps the user's installed templates out of it); disposing removes it and the cached package.
    private sealed class TemplateWorkspace : IDisposable
    {
        public string Version { get; } = TestVersion();
        public string Feed => Path.Combine(_root, "feed");
        public string Hive => Path.Combine(_root, "hive");
        public string Work => Path.Combine(_root, "work");
        private readonly string _root;

        public TemplateWorkspace(string name)
        {
            _root = Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}");
            if (Directory.Exists(_root)) Directory.Delete(_root, true);
            Directory.CreateDirectory(Feed);
            Directory.CreateDirectory(Work);
            foreach (var project in new[] { "package/Unikernel.NET.csproj", "package/templates/Unikernel.NET.Templates.csproj" })
                Tool.Run("dotnet", Repo.Root, "pack", project, "-c", Configuration, "-o", Feed, $"-p:UnikernelVersion={Version}", "-nologo", "-v:q", "-nodeReuse:false");
            Tool.Run("dotnet", Work, "new", "install", Path.Combine(Feed, $"Unikernel.NET.Templates.{Version}.nupkg"), "--debug:custom-hive", Hive);
        }

        public void Dispose()
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, true);
            string cached = Path.Combine(NuGetPackages, "unikernel.net", Version);
            if (Directory.Exists(cached)) Directory.Delete(cached, true);
        }
    }

    // What nuget.org and an IDE show: the license, a readme, release notes, the commit it was built from; and
    // nothing but English resources in the tool.
    private static void AssertPackageMetadata(string nupkg)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        System.Xml.Linq.XDocument nuspec;
        using (var stream = nuspecEntry.Open()) nuspec = System.Xml.Linq.XDocument.Load(stream);
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        Assert.Equal("README.md", Field("readme"));
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        Assert.False(string.IsNullOrWhiteSpace(Field("releaseNotes")), "no release notes");
        string head = Tool.Run("git", Repo.Root, "rev-parse", "HEAD").Trim();
        Assert.Equal(head, (string?)metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("commit"));
        Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".resources.dll", StringComparison.Ordinal) || e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static string NuGetPackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    // A version of its own per run. The time is an alphanumeric identifier ("t" first): SemVer forbids leading
    // zeros in a numeric one, and HHmmssfff before 10:00 UTC has them, which made NuGet's restore of the pack
    // fail ("RestoreTask returned false") every morning.
    private static string TestVersion() => $"{ReadVersion()}-test.{Environment.ProcessId}.t{DateTime.UtcNow:HHmmssfff}";

    // The package version lives in Directory.Build.props (UnikernelVersion).
    private static string ReadVersion()
    {
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props"));
        foreach (var element in props.Descendants("UnikernelVersion")) return element.Value.Trim();
        throw new InvalidOperationException("Directory.Build.props has no UnikernelVersion");
    }
}
