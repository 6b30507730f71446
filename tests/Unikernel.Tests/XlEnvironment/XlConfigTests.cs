using System;
using System.IO;
using System.Text.RegularExpressions;
using Unikernel.Tests.Xen;
using Unikernel.Tools.Ukboot;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.XlEnvironment;

// Domain names and config strings on their way into dom0's script, files and xl configs.
public class XlConfigTests
{
    [Theory]
    [InlineData("hello")]
    [InlineData("appliance-50")]
    [InlineData("a.b_c-1")]
    [InlineData("7up")]
    public void Accepts_plain_domain_names(string name) => Assert.Equal(name, XlConfig.CheckDomainName(name));

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("quo\"te")]
    [InlineData("it's")]
    [InlineData("$(reboot)")]
    [InlineData("`reboot`")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData(".hidden")]
    [InlineData("-x")]
    [InlineData("123")]
    [InlineData("line\nbreak")]
    [InlineData("semi;colon")]
    public void Refuses_names_a_script_or_path_would_misread(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => XlConfig.CheckDomainName(name));
        Assert.Contains("domain name", e.Message);
    }

    [Fact]
    public void Refuses_overlong_names() =>
        Assert.Throws<ArgumentException>(() => XlConfig.CheckDomainName(new string('a', XlConfig.MaxNameLength + 1)));

    [Fact]
    public void Quotes_strings_in_xl_syntax() =>
        Assert.Equal("\"a=\\\"1 2\\\" dir=C:\\\\x\\\\ it's $(x)\"", XlConfig.Quote("a=\"1 2\" dir=C:\\x\\ it's $(x)"));

    [Fact]
    public void Refuses_control_characters_and_command_lines_longer_than_xen_passes()
    {
        Assert.Throws<ArgumentException>(() => XlConfig.Quote("one\ntwo"));
        Assert.Throws<ArgumentException>(() => XlConfig.Quote("tab\there"));
        Assert.Equal($"extra = \"{new string('x', 1023)}\"\n", XlConfig.Extra(new string('x', 1023)));
        Assert.Throws<ArgumentException>(() => XlConfig.Extra(new string('x', 1024)));
    }

    [Fact]
    public void The_default_config_escapes_the_command_line()
    {
        string config = XlCommand.DefaultConfig("hello", "hello.elf", 32, "say=\"hi\" path=\\srv");
        Assert.Contains("\nextra = \"say=\\\"hi\\\" path=\\\\srv\"\n", config);
        Assert.StartsWith("name = \"hello\"\n", config);
        Assert.Throws<ArgumentException>(() => XlCommand.DefaultConfig("$(reboot)", "x.elf", 32, ""));
    }

    [Fact]
    public void Reads_the_name_xl_uses_and_checks_it()
    {
        Assert.Equal("hello", XlConfig.ReadDomainName("# name = \"not this\"\nname = \"hello\"\nkernel = \"hello.elf\"\n", "hello.cfg"));
        Assert.Equal("single", XlConfig.ReadDomainName("name='single'\n", "a.cfg"));
        Assert.Equal("second", XlConfig.ReadDomainName("name = \"first\"\nname = \"second\"\n", "a.cfg")); // xl takes the last
        Assert.Throws<ArgumentException>(() => XlConfig.ReadDomainName("name = \"$(reboot)\"\n", "a.cfg"));
        Assert.Throws<ArgumentException>(() => XlConfig.ReadDomainName("name = \"a\\\"b\"\n", "a.cfg"));
        Assert.Contains("has no name", Assert.Throws<ArgumentException>(() => XlConfig.ReadDomainName("kernel = \"x\"\n", "a.cfg")).Message);
    }

    [Fact]
    public void Writes_a_vif_on_the_dom0_bridge_with_an_optional_fixed_mac()
    {
        Assert.Equal("vif = ['bridge=xenbr0']\n", XlConfig.Vif());
        Assert.Equal("vif = ['bridge=br-1,mac=00:16:3e:0a:bc:02']\n", XlConfig.Vif("br-1", "00:16:3E:0A:BC:02"));
    }

    [Theory]
    [InlineData("xenbr0']", null)]
    [InlineData("a,mac=00:16:3e:00:00:01", null)]
    [InlineData("", null)]
    [InlineData("sixteen-chars-xx", null)]
    [InlineData("-x", null)]
    [InlineData("xenbr0", "00:16:3e:00:00")]
    [InlineData("xenbr0", "00-16-3e-00-00-01")]
    [InlineData("xenbr0", "00:16:3e:00:00:01,script=x")]
    [InlineData("xenbr0", "01:16:3e:00:00:01")] // multicast
    public void Refuses_a_vif_xl_or_linux_would_misread(string bridge, string? mac) =>
        Assert.Throws<ArgumentException>(() => XlConfig.Vif(bridge, mac));

    // Checked before anything is built or booted.
    [Fact]
    public void A_session_refuses_a_guest_with_a_bad_name_before_booting()
    {
        var scenario = new XlScenario { Script = "true\n", CacheDir = Path.Combine(Path.GetTempPath(), "uk-no-cache-" + Guid.NewGuid().ToString("N")) };
        scenario.Guests.Add(new XlGuest("x; reboot", typeof(XlConfigTests).Assembly.Location, "name = \"x\"\n"));
        Assert.Contains("domain name", Assert.Throws<ArgumentException>(() => XlSession.Run(scenario)).Message);
        Assert.False(Directory.Exists(scenario.CacheDir));
    }
}

// ukxl run, as a user runs it: a command line full of quotes, backslashes and shell syntax reaches the guest
// as it was given, through the generated xl config.
[Collection(XenCollection.Name)]
public class XlCommandTests
{
    [Fact]
    public void Ukxl_run_passes_extra_to_the_guest_intact()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"uk-xl-pwned-{Guid.NewGuid():N}");
        string extra = $"say=\"hi there\" path=C:\\dir\\ it's $(touch {marker}) `touch {marker}`";
        var run = HostProcess.Run("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "ukxl.dll"), "run", Repo.Image("hello"), "--extra", extra, "--cache", Repo.Cache, "--timeout", "180"],
            Repo.Root, TimeSpan.FromMinutes(4));
        string output = run.Stdout + run.Stderr;
        Assert.True(run.ExitCode == 0, $"ukxl run exited with {run.ExitCode}:\n{output}");
        var facts = Regex.Match(run.Stdout, @"(?m)^facts: xen=\S+ nr_pages=\d+ dom0=no cmdline=""(?<cmdline>.*)""$");
        Assert.True(facts.Success, "no facts line:\n" + output);
        Assert.Equal(extra, facts.Groups["cmdline"].Value);
        Assert.Contains("domain: id=", run.Stdout);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Ukxl_run_refuses_a_config_whose_name_it_cannot_use()
    {
        string cfg = Path.Combine(Path.GetTempPath(), $"uk-bad-name-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(cfg, "name = \"x; reboot\"\ntype = \"pv\"\nkernel = \"hello.elf\"\n");
        try
        {
            var run = HostProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "ukxl.dll"), "run", Repo.Image("hello"), "--cfg", cfg], Repo.Root);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("domain name \"x; reboot\" is not allowed", run.Stderr);
        }
        finally { File.Delete(cfg); }
    }
}
