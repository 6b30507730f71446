using System;
using Unikernel;

// A key-value store appliance: answers a line protocol on the console (CommandProcessor), keeps its data in
// pages from the page allocator (KeyValueStore) and, when the domain has a disk, in a log on it that every
// change is flushed to before its ok (DiskLog; without one, memory only: lost at shutdown), publishes its status in
// xenstore when there is one (StatusPublisher), and stops cleanly on "quit" or the toolstack's shutdown
// request (xl shutdown). What it prints that is no reply to a request is a notice and starts with "# ".
public static unsafe class Program
{
    public static ulong StartedAt;

    public static int Main()
    {
        StartedAt = Clock.Now;
        if (!KeyValueStore.Initialize())
        {
            Console.WriteLine("# appliance: not enough memory for the store");
            return 1;
        }
        DiskLog.Open(); // replays the disk's log into the store; memory only without a disk
        Lifecycle.AddShutdownHook(&OnShutdown);
        Lifecycle.AddSuspendHook(&OnSuspend);
        Lifecycle.AddResumeHook(&OnResume);
        StatusPublisher.Start();
        Greet();
        if (Network.IsConfigured) RespServer.Start(Port());

        while (true)
        {
            // Publishing waits for xenstored, so it happens here, once no request is waiting: a burst of
            // changes is published once, and every reply is out before the wait.
            if (!LineReader.HasLine && !RespServer.HasWork) StatusPublisher.Publish();
            Lifecycle.WaitUntil(&HasWork, 0);
            while (LineReader.TryNext(out ReadOnlySpan<byte> line, out bool truncated))
                if (!CommandProcessor.Handle(line, truncated)) return 0; // a clean power-off: the shutdown hook runs
            RespServer.Serve();
        }
    }

    // The console and the network, whichever has something first.
    private static bool HasWork(ulong unused) => LineReader.HasLine || Console.HasInput || RespServer.HasWork;

    // port=N on the command line, else Redis's 6379.
    private static ushort Port()
    {
        var commandLine = new Unikernel.Core.KernelCommandLine(DomainFacts.CommandLine);
        if (commandLine.TryGet("port", out ReadOnlySpan<byte> value, out _)
            && Unikernel.Core.KernelCommandLine.TryParseUInt64(value, out ulong port) && port > 0 && port < 65536)
            return (ushort)port;
        if (commandLine.Contains("port")) Console.WriteLine("# appliance: port= is not a number from 1 to 65535; using 6379");
        return RespServer.DefaultPort;
    }

    private static void Greet()
    {
        var text = new Unikernel.Core.Text.TextBuilder(stackalloc char[192]);
        text.Append($"# appliance ready: key-value store, {KeyValueStore.Capacity} keys of up to {KeyValueStore.InlineValue} bytes; ");
        DiskLog.AppendStorage(ref text);
        text.Append("; type help");
        Console.WriteLine(text.Text);
    }

    // xl save / xl migrate: the keys travel in memory; the platform reconnects the disk and the vif after it.
    private static void OnSuspend() => Console.WriteLine($"# appliance: suspending with {KeyValueStore.Count} keys");

    // In a new domain (restored or migrated) the xenstore home is new: publish the status there again.
    private static void OnResume(ResumeKind kind)
    {
        Console.WriteLine($"# appliance: resumed ({(kind == ResumeKind.Restored ? "restored" : "suspend cancelled")}) with {KeyValueStore.Count} keys");
        if (kind == ResumeKind.Restored) StatusPublisher.Restart();
    }

    // Runs for "quit" and for xl shutdown/reboot alike.
    private static void OnShutdown(ShutdownReason reason)
    {
        StatusPublisher.Stopped();
        string how = reason == ShutdownReason.Reboot ? "reboot" : "power off";
        if (DiskLog.IsOpen) Console.WriteLine($"# appliance: goodbye ({how}); {KeyValueStore.Count} keys kept on disk {DiskLog.DeviceName}");
        else Console.WriteLine($"# appliance: goodbye ({how}); {KeyValueStore.Count} keys lost (memory only)");
    }
}
