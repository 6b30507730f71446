using System;
using System.IO;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Tools.Ukboot.Run;

// What the long steps print: sizes, the download count, and the boot's periodic "still waiting" line, driven
// here by the elapsed times a boot would pass.
public class ProgressTests
{
    [Theory]
    [InlineData(0, "0 bytes")]
    [InlineData(1023, "1023 bytes")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(3_500_000, "3.3 MiB")]
    public void Sizes_read_as_bytes_KiB_or_MiB(long bytes, string text) => Assert.Equal(text, Progress.Size(bytes));

    [Fact]
    public void A_download_says_which_of_how_many_and_how_large()
    {
        Assert.Equal("ukxl: downloaded 3/12 xen-utils-4.17 (1.2 MiB, 0.8 s)",
            Progress.Downloaded("ukxl", 3, 12, "xen-utils-4.17", 1_258_291, TimeSpan.FromMilliseconds(812)));
    }

    [Fact]
    public void Waiting_is_reported_once_per_interval_with_the_last_line_seen()
    {
        var output = new StringWriter();
        var reporter = new WaitReporter(output, "ukboot", TimeSpan.FromSeconds(15));

        Assert.Null(reporter.Tick(TimeSpan.FromSeconds(14.9), guestStarted: false));
        Assert.Equal("ukboot: 15 s, waiting for the guest; nothing on the serial line yet", reporter.Tick(TimeSpan.FromSeconds(15), false));
        Assert.Null(reporter.Tick(TimeSpan.FromSeconds(16), false));
        reporter.Seen("(XEN) Xen version 4.17");
        reporter.Seen("   ");
        reporter.Seen("  (XEN) *** Serial input to DOM0  ");
        Assert.Equal("ukboot: 30 s, waiting for the guest; last: (XEN) *** Serial input to DOM0", reporter.Tick(TimeSpan.FromSeconds(30.2), false));
        // A stall (a busy host) gives one line, not a burst for the intervals missed.
        Assert.NotNull(reporter.Tick(TimeSpan.FromSeconds(80), false));
        Assert.Null(reporter.Tick(TimeSpan.FromSeconds(89), false));
        Assert.Equal(3, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Once_the_guest_shows_itself_or_the_boot_ends_it_stays_quiet()
    {
        var output = new StringWriter();
        var reporter = new WaitReporter(output, "ukxl", TimeSpan.FromSeconds(10));
        Assert.NotNull(reporter.Tick(TimeSpan.FromSeconds(10), false));
        Assert.Null(reporter.Tick(TimeSpan.FromSeconds(20), guestStarted: true));
        Assert.Null(reporter.Tick(TimeSpan.FromSeconds(60), false));

        var stopped = new WaitReporter(output, "ukxl", TimeSpan.FromSeconds(10));
        stopped.Stop();
        Assert.Null(stopped.Tick(TimeSpan.FromSeconds(10), false));
    }

    [Fact]
    public void A_long_last_line_is_cut()
    {
        string line = WaitReporter.Format("ukxl", TimeSpan.FromSeconds(45), new string('x', 300));
        Assert.EndsWith("...", line);
        Assert.Equal("ukxl: 45 s, waiting for the guest; last: ".Length + WaitReporter.MaxLastLine, line.Length);
    }
}
