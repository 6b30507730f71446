using System;
using Unikernel;

// A key-value store appliance: answers a line protocol on the console (CommandProcessor), keeps its data in
// pages from the page allocator (KeyValueStore, memory only: lost at shutdown), publishes its status in
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
        Lifecycle.AddShutdownHook(&OnShutdown);
        StatusPublisher.Start();
        Greet();

        while (true)
        {
            // Publishing waits for xenstored, so it happens here, once no request is waiting: a burst of
            // changes is published once, and every reply is out before the wait.
            if (!LineReader.HasLine) StatusPublisher.Publish();
            ReadOnlySpan<byte> line = LineReader.Next(out bool truncated);
            if (!CommandProcessor.Handle(line, truncated)) break;
        }
        return 0; // a clean power-off: the shutdown hook runs
    }

    private static void Greet() =>
        Console.WriteLine($"# appliance ready: key-value store, {KeyValueStore.Capacity} keys of up to {KeyValueStore.MaxValue} bytes; {CommandProcessor.Storage}; type help");

    // Runs for "quit" and for xl shutdown/reboot alike.
    private static void OnShutdown(ShutdownReason reason)
    {
        StatusPublisher.Stopped();
        Console.WriteLine($"# appliance: goodbye ({(reason == ShutdownReason.Reboot ? "reboot" : "power off")}); {KeyValueStore.Count} keys lost (memory only)");
    }
}
