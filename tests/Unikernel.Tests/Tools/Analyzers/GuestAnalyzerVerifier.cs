using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Unikernel.Analyzers;

namespace Unikernel.Tests.Tools.Analyzers;

// Runs the guest analyzer the way a guest build does: the source compiled against our corlib, Core and the
// Xen platform (the guest assemblies this repository builds; no BCL) with UnikernelGuest visible to it.
public static class GuestAnalyzerVerifier
{
    private static string GuestBin => Path.Combine(Repo.Root, "Unikernel.Xen", "bin",
        AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug", "net10.0");

    // Reported code: compiler errors are not checked (many of these features are also CS errors).
    public static Task Reports(string source, params DiagnosticResult[] expected) =>
        Run(source, "true", CompilerDiagnostics.None, expected);

    // Code the guest runs: it must compile against the corlib without errors and draw no diagnostic.
    public static Task Accepts(string source) => Run(source, "true", CompilerDiagnostics.Errors);

    // Any source with a guest property of the given value (null: not set, as in a host project).
    public static Task Run(string source, string? guest, CompilerDiagnostics compiler, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<GuestAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            // No reference package: the corlib below is the whole framework, as in a guest build.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0-unikernel"),
            CompilerDiagnostics = compiler,
        };
        foreach (string dll in new[] { "Unikernel.Corlib.dll", "Unikernel.Core.dll", "Unikernel.Xen.dll" })
        {
            string path = Path.Combine(GuestBin, dll);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: build the solution first");
            test.TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(path));
        }
        if (guest != null)
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", $"is_global = true\n{GuestAnalyzer.GuestProperty} = {guest}\n"));
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!;
            return solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true));
        });
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static DiagnosticResult Diagnostic(DiagnosticDescriptor rule) => new(rule);
}
