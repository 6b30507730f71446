using System;
using System.Globalization;
using System.IO;

namespace Unikernel.Tools.Ukboot.Run;

// How the long steps (downloads, the dom0 initramfs, a boot waiting for its guest) say what they are doing:
// plain lines, never a redrawn one, so a CI log reads the same as a terminal.
public static class Progress
{
    // 1536 -> "1.5 KiB", 3_500_000 -> "3.3 MiB".
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
    };

    public static string Seconds(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:F1} s");

    // "ukxl: downloaded 3/12 xen-utils-4.17 (1.2 MiB, 0.8 s)"
    public static string Downloaded(string tool, int index, int count, string package, long bytes, TimeSpan elapsed) =>
        $"{tool}: downloaded {index}/{count} {package} ({Size(bytes)}, {Seconds(elapsed)})";

    // The total size of a folder's files.
    public static long FolderSize(string folder)
    {
        long total = 0;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
            if (file.LinkTarget == null) total += file.Length;
        return total;
    }
}

// While a boot waits for its guest's first output, a line every Interval: how long it has been and the last
// line the serial port showed (Xen's or dom0's own, hidden from the echo), so a slow boot is never silence.
// Once the guest has shown something, it stays quiet: the user sees the guest.
public sealed class WaitReporter(TextWriter output, string tool, TimeSpan interval)
{
    public const int MaxLastLine = 100;
    private readonly object _lock = new();
    private string _last = "";
    private readonly TimeSpan _interval = interval;
    private TimeSpan _next = interval;
    private bool _stopped;

    // A line the serial port printed, echoed or not.
    public void Seen(string line)
    {
        string trimmed = line.Trim();
        if (trimmed.Length == 0) return;
        lock (_lock) _last = trimmed;
    }

    public void Stop() { lock (_lock) _stopped = true; }

    // Called now and then with the time since the boot started (guestStarted: the echo showed something);
    // writes a line when the next interval has passed and returns it (null when it wrote none).
    public string? Tick(TimeSpan elapsed, bool guestStarted)
    {
        string line;
        lock (_lock)
        {
            if (guestStarted) _stopped = true;
            if (_stopped || elapsed < _next) return null;
            while (_next <= elapsed) _next += _interval;
            line = Format(tool, elapsed, _last);
        }
        output.WriteLine(line);
        output.Flush();
        return line;
    }

    // "ukboot: 15 s, waiting for the guest; last: (XEN) *** Serial input to DOM0 ..."
    public static string Format(string tool, TimeSpan elapsed, string last)
    {
        string text = $"{tool}: {(int)elapsed.TotalSeconds} s, waiting for the guest";
        if (last.Length == 0) return text + "; nothing on the serial line yet";
        return text + "; last: " + (last.Length > MaxLastLine ? last[..(MaxLastLine - 3)] + "..." : last);
    }
}
