using System;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot;

namespace Unikernel.Tests.Tools.Ukboot;

// The one way the host tools and the tests run a program: arguments as they are, both pipes read together.
public class HostProcessTests
{
    // Text a shell would act on, passed as arguments: each must arrive as it is and nothing may run.
    public static readonly string[] Hostile =
    [
        "two words", "\"double\"", "it's", "back\\slash", "$(touch /tmp/uk-hostprocess-pwned)", "`touch /tmp/uk-hostprocess-pwned`",
        "semi;colon", "a*b?", "", " lead and trail ",
    ];

    [Fact]
    public void Arguments_arrive_as_they_are()
    {
        var result = HostProcess.Run("printf", new[] { "[%s]\n" }.Concat(Hostile));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Concat(Hostile.Select(a => $"[{a}]\n")), result.Stdout);
        Assert.False(File.Exists("/tmp/uk-hostprocess-pwned"));
    }

    // More than a pipe holds (64 KiB) on each stream, in either order: reading one to its end before the
    // other would wait forever on a program blocked writing the other.
    [Theory]
    [InlineData("1", "2")]
    [InlineData("2", "1")]
    public void Fills_both_pipes_without_stalling(string first, string second)
    {
        const int Size = 300_000;
        string script = $"head -c {Size} /dev/zero | tr '\\0' o >&{first}; head -c {Size} /dev/zero | tr '\\0' e >&{second}";
        var result = HostProcess.Run("sh", ["-c", script], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Size, (first == "1" ? result.Stdout : result.Stderr).Count(c => c == 'o'));
        Assert.Equal(Size, (second == "1" ? result.Stdout : result.Stderr).Count(c => c == 'e'));
    }

    [Fact]
    public void A_program_past_its_timeout_is_killed()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => HostProcess.Run("sleep", ["60"], timeout: TimeSpan.FromSeconds(1)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public void A_missing_program_is_an_error_at_start()
    {
        Assert.Throws<System.ComponentModel.Win32Exception>(() => HostProcess.Run("uk-no-such-program", []));
    }
}
