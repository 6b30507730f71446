using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Unikernel.Tests.Architecture;

// The layers stay as ARCHITECTURE.md draws them: applications see only namespace Unikernel of the platform,
// and Unikernel.Boot stays free of anything Xen-specific.
public class LayeringTests
{
    [Fact]
    public void The_xen_platform_makes_public_only_the_application_api()
    {
        List<string> exposed = PublicTypes(GuestAssembly("Unikernel.Xen"));
        Assert.Contains("Unikernel.Console", exposed); // the reader works: the API is there
        Assert.Contains("Unikernel.ShutdownReason", exposed);
        string[] platform = exposed.Where(name => Namespace(name) != "Unikernel").ToArray();
        Assert.True(platform.Length == 0,
            "platform types are public (make them internal; guests that test the platform use InternalsVisibleTo): " + string.Join(", ", platform));
    }

    [Fact]
    public void Each_api_concept_is_defined_once_across_the_guest_assemblies()
    {
        var names = new[] { "Unikernel.Corlib", "Unikernel.Core", "Unikernel.Xen" }
            .SelectMany(assembly => AllTypes(GuestAssembly(assembly)))
            .Select(name => name[(name.LastIndexOf('.') + 1)..])
            .ToList();
        foreach (string concept in new[] { "Clock", "Timers", "XenStore", "ShutdownReason", "Console", "FixedList`1", "FixedQueue`1", "FixedMap`2", "Math", "MemoryExtensions" })
            Assert.True(names.Count(n => n == concept) == 1, $"{concept} is defined {names.Count(n => n == concept)} times");
    }

    // Generic means: no Xen note, hypercall, start_info or Xen ABI in Boot's assembly, linker script or corlib.
    [Fact]
    public void Unikernel_boot_holds_no_xen_specific_assembly_notes_or_linker_text()
    {
        var xen = new Regex(@"xen|hypercall|start_info|trap_table", RegexOptions.IgnoreCase);
        string[] files = Tool.Run("git", Repo.Root, "ls-files", "--cached", "--others", "--exclude-standard", "Unikernel.Boot")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => f.EndsWith(".S") || f.EndsWith(".ld") || (f.EndsWith(".cs") && f.Contains("/Corlib/")))
            .ToArray();
        Assert.Contains(files, f => f.EndsWith("runtime.S"));
        Assert.Contains(files, f => f.EndsWith("link.ld"));
        var hits = files.SelectMany(f => File.ReadLines(Path.Combine(Repo.Root, f))
                .Select((line, i) => (f, i, line)))
            .Where(x => xen.IsMatch(x.line))
            .Select(x => $"{x.f}:{x.i + 1}: {x.line.Trim()}")
            .ToArray();
        Assert.True(hits.Length == 0, "Xen-specific text under Unikernel.Boot:\n" + string.Join("\n", hits));
    }

    // No folder cycle: the platform uses Boot's props, Boot names no platform (the repository and the
    // package choose it with UnikernelPlatformTargets).
    [Fact]
    public void Unikernel_boot_names_no_platform()
    {
        string[] files = Tool.Run("git", Repo.Root, "ls-files", "--cached", "--others", "--exclude-standard", "Unikernel.Boot")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var hits = files.Where(f => File.ReadAllText(Path.Combine(Repo.Root, f)).Contains("Unikernel.Xen", StringComparison.Ordinal)).ToArray();
        Assert.True(hits.Length == 0, "Unikernel.Boot refers to Unikernel.Xen in: " + string.Join(", ", hits));
        Assert.Contains("uk_app_main", File.ReadAllText(Path.Combine(Repo.Root, "Unikernel.Boot", "build", "Unikernel.Image.targets")));
    }

    private static string Namespace(string fullName) => fullName.Contains('.') ? fullName[..fullName.LastIndexOf('.')] : "";

    // The guest build of an assembly (Debug or Release, whichever is newer).
    private static string GuestAssembly(string name)
    {
        string project = name switch
        {
            "Unikernel.Corlib" => Path.Combine("Unikernel.Boot", "Corlib"),
            "Unikernel.Core" => Path.Combine("Unikernel.Core", "Guest"),
            _ => name,
        };
        string bin = Path.Combine(Repo.Root, project, "bin");
        string? path = Directory.Exists(bin)
            ? Directory.EnumerateFiles(bin, name + ".dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return path ?? throw new FileNotFoundException($"{name}.dll not built under {bin}: build the guests first ('dotnet pwsh build.ps1 build')");
    }

    private static List<string> PublicTypes(string assembly) => Types(assembly, publicOnly: true);
    private static List<string> AllTypes(string assembly) => Types(assembly, publicOnly: false);

    // Top-level and nested types; a nested type is public only if every enclosing type is.
    private static List<string> Types(string assembly, bool publicOnly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        MetadataReader md = pe.GetMetadataReader();
        var result = new List<string>();
        foreach (TypeDefinitionHandle handle in md.TypeDefinitions)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            if (publicOnly && !IsVisible(md, type)) continue;
            if (type.IsNested) continue; // counted through their outer type's name
            string ns = md.GetString(type.Namespace), name = md.GetString(type.Name);
            if (name == "<Module>") continue;
            result.Add(ns.Length == 0 ? name : ns + "." + name);
        }
        return result;
    }

    private static bool IsVisible(MetadataReader md, TypeDefinition type)
    {
        TypeAttributes visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (!type.IsNested) return visibility == TypeAttributes.Public;
        return visibility == TypeAttributes.NestedPublic && IsVisible(md, md.GetTypeDefinition(type.GetDeclaringType()));
    }
}
