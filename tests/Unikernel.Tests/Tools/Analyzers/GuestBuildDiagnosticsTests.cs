using System;
using System.IO;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot;

namespace Unikernel.Tests.Tools.Analyzers;

// A guest project outside the repository (importing its Guest.props and Image.targets) with a capturing
// lambda: `dotnet build` fails with the analyzer's id at the lambda's line, and with the analyzer switched
// off, ilc's failure is one error naming the feature, not ilc's stack trace.
public class GuestBuildDiagnosticsTests
{
    private const string Program = """
        using Unikernel;

        public delegate int Counter();

        public static class Program
        {
            public static int Main()
            {
                int n = 5;
                Counter next = () => n + 1;
                Console.WriteLine(next() == 6 ? "ok" : "no");
                return 0;
            }
        }
        """;

    [Fact]
    public void A_capturing_lambda_fails_the_build_with_UK0002_at_its_line()
    {
        var (exitCode, output) = Build("analyzer");
        Assert.True(exitCode != 0, "the build succeeded:\n" + output);
        Assert.Matches(new Regex(@"Program\.cs\(10,24\): error UK0002: A lambda converted to delegate type 'Counter'"), output);
    }

    [Fact]
    public void Without_the_analyzer_ilc_fails_with_one_error_naming_the_feature()
    {
        var (exitCode, output) = Build("ilc", "-p:RunAnalyzers=false");
        Assert.True(exitCode != 0, "the build succeeded:\n" + output);
        Assert.Matches(new Regex(@"error UK0002: ilc: a lambda, anonymous method or method group made into a delegate needs runtime support the guest lacks.*\(in \[app\]Program\.Main\(\)\)"), output);
        Assert.DoesNotContain("at ILCompiler", output);
        Assert.DoesNotContain("MSB3073", output);
    }

    private static (int ExitCode, string Output) Build(string name, params string[] properties)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"uk-analyzer-{Environment.ProcessId}-{name}");
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        try
        {
            string boot = Path.Combine(Repo.Root, "Unikernel.Boot", "build");
            File.WriteAllText(Path.Combine(dir, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <Import Project="{boot}/Unikernel.Guest.props" />
                  <PropertyGroup>
                    <LangVersion>latest</LangVersion>
                    <UnikernelPlatformTargets>{Repo.Root}/Unikernel.Xen/Unikernel.Platform.targets</UnikernelPlatformTargets>
                  </PropertyGroup>
                  <Import Project="{boot}/Unikernel.Image.targets" />
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), Program);
            var result = HostProcess.Run("dotnet", ["build", "-nologo", "-v:q", "-nodeReuse:false", .. properties], dir);
            return (result.ExitCode, result.Stdout + result.Stderr);
        }
        finally { Directory.Delete(dir, true); }
    }
}
