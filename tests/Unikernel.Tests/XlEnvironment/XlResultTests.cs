using System;
using System.Text;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.XlEnvironment;

public class XlResultTests
{
    private static XlResult Parse(string log) => new(new BootResult(BootOutcome.PowerOff, log, TimeSpan.FromSeconds(8)));

    [Fact]
    public void Reads_steps_and_files_around_interleaved_xen_lines()
    {
        string console = "Hello from Unikernel.NET!\nfacts: \u00e9\n";
        string base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(console));
        var result = Parse(string.Join('\n',
            "(XEN) [    1.0] boot",
            "@@xl step setup-xenstored begin",
            "@@xl step setup-xenstored rc=0 uptime=3.84",
            "@@xl ready",
            "@@xl step create begin",
            "Parsing config from hello.cfg",
            "(XEN) [    4.2] d1v0 something",
            "@@xl step create rc=1 uptime=4.71",
            "@@xl scenario rc=0",
            "@@xl file begin console/guest-hello.log",
            base64[..8],
            "(XEN) [    5.0] interleaved",
            base64[8..],
            "@@xl file end console/guest-hello.log",
            "@@xl done",
            "[    6.0] reboot: Power down"));
        Assert.True(result.Completed);
        Assert.Null(result.SetupFailure);
        Assert.Equal(0, result.ScenarioExitCode);
        Assert.Equal(0, result.Step("setup-xenstored").ExitCode);
        Assert.Equal(1, result.Step("create").ExitCode);
        Assert.Equal("Parsing config from hello.cfg\n", result.Step("create").Output);
        Assert.Equal(console, result.GuestConsole("hello"));
    }

    [Fact]
    public void A_garbled_file_is_named_when_read()
    {
        var result = Parse("@@xl file begin console/guest-hello.log\nSGVsbG8\n@@xl file end console/guest-hello.log\n@@xl done\n");
        var e = Assert.Throws<InvalidOperationException>(() => result.GuestConsole("hello"));
        Assert.Contains("console/guest-hello.log arrived garbled", e.Message);
    }

    [Fact]
    public void A_failed_setup_and_a_missing_log_are_named()
    {
        var result = Parse("@@xl step setup-xenstored begin\nxenstored: error\n@@xl step setup-xenstored rc=1 uptime=2.0\n@@xl setup failed: xenstored\n");
        Assert.Equal("xenstored", result.SetupFailure);
        Assert.False(result.Completed);
        var e = Assert.Throws<InvalidOperationException>(() => result.GuestConsole("hello"));
        Assert.Contains("console/guest-hello.log was not handed over", e.Message);
        Assert.Contains("setup step 'xenstored' failed", e.Message);
    }
}
