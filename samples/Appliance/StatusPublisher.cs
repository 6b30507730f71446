using System;
using Unikernel;
using Unikernel.Core.Text;

// The appliance's status for the toolstack's side: data/appliance/status ("ready", "stopped") and
// data/appliance/keys (the key count) in the domain's xenstore home. Without a xenstore (dom0 booted
// directly) there is nobody to tell, and it says so once.
//
// A xenstore request waits for xenstored's reply, so requests never publish: a change only makes the
// published count stale, and the main loop calls Publish when no request is waiting, which writes the
// count once for a whole burst of changes. A write that fails, or that xenstored has not answered after
// SlowAfterMs (a watchdog timer), is reported as a "# " notice; the store goes on serving either way.
public static unsafe class StatusPublisher
{
    public const string StatusPath = "data/appliance/status";
    public const string KeysPath = "data/appliance/keys";
    public const int SlowAfterMs = 1000;

    private static int s_publishedKeys = -1; // the key count xenstore holds; -1 before the first write
    private static long s_error;             // the last failed write's errno, 0 after a good write
    private static ulong s_writeStarted;

    public static void Start()
    {
        if (!XenStore.IsAvailable)
        {
            Console.WriteLine("# status: no xenstore (dom0 or no toolstack): not published");
            return;
        }
        Write(StatusPath, "ready");
        Announce();
    }

    // After a restore or migration: the new domain's home has none of our nodes yet.
    public static void Restart()
    {
        if (!XenStore.IsAvailable) return;
        s_publishedKeys = -1;
        Write(StatusPath, "ready");
        Publish();
        Announce();
    }

    // Where clients find it: "# appliance: domain 3 'appliance', console /dev/pts/2, status in
    // /local/domain/3/data/appliance" (the console pty is the one xenconsoled gave this domain in dom0).
    private static void Announce()
    {
        Span<byte> name = stackalloc byte[64];
        Span<byte> tty = stackalloc byte[64];
        long nameLength = DomainFacts.ReadName(name);
        long ttyLength = XenStore.Read("console/tty", tty);
        long id = DomainFacts.DomainId;
        var text = new TextBuilder(stackalloc char[200]);
        text.Append("# appliance: domain ");
        if (id >= 0) text.Append(id); else text.Append(XenStore.ErrorName(id));
        text.Append(" '");
        AppendValue(ref text, name, nameLength);
        text.Append("', console ");
        AppendValue(ref text, tty, ttyLength);
        text.Append(", status in /local/domain/");
        if (id >= 0) text.Append(id); else text.Append("<domid>");
        text.Append("/data/appliance");
        Console.WriteLine(text.Text);
    }

    private static void AppendValue(ref TextBuilder text, Span<byte> value, long result)
    {
        if (result >= 0) Ascii.Append(ref text, value.Slice(0, (int)result));
        else text.Append(XenStore.ErrorName(result));
    }

    // What the "status" reply says about publishing, from memory (it never waits on xenstore):
    // none (no xenstore), published (xenstore holds the current count), pending (a change not written
    // yet), or failed:<errno> (the last write failed; it is retried after the next request).
    public static void AppendState(ref TextBuilder text)
    {
        if (!XenStore.IsAvailable) text.Append("none");
        else if (s_error < 0)
        {
            text.Append("failed:");
            text.Append(XenStore.ErrorName(s_error));
        }
        else text.Append(s_publishedKeys == KeyValueStore.Count ? "published" : "pending");
    }

    // Called by the main loop when no request is waiting: writes the key count if it changed since the
    // last good write (a failed write is tried again here, after the next request).
    public static void Publish()
    {
        int keys = KeyValueStore.Count;
        if (!XenStore.IsAvailable || keys == s_publishedKeys) return;
        var count = new TextBuilder(stackalloc char[16]);
        count.Append(keys);
        if (Write(KeysPath, count.Text)) s_publishedKeys = keys;
    }

    public static void Stopped()
    {
        if (XenStore.IsAvailable) Write(StatusPath, "stopped");
    }

    // One write, watched: a notice when xenstored is slow to answer, when it answers after all, when the
    // write fails (once per new error) and when writing works again. False when it failed.
    private static bool Write(ReadOnlySpan<char> path, ReadOnlySpan<char> value)
    {
        s_writeStarted = Clock.Now;
        var watchdog = Timers.StartAfter(SlowAfterMs * Clock.NanosecondsPerMillisecond, &OnSlow, 0);
        long rc = XenStore.Write(path, value);
        if (!Timers.Cancel(watchdog))
            Console.WriteLine($"# status: xenstore answered after {(Clock.Now - s_writeStarted) / Clock.NanosecondsPerMillisecond} ms");
        if (rc < 0 && rc != s_error)
            Console.WriteLine($"# status: xenstore write {path} failed: {XenStore.ErrorName(rc)}; tried again after the next request");
        else if (rc >= 0 && s_error < 0)
            Console.WriteLine($"# status: xenstore write {path} works again");
        s_error = rc < 0 ? rc : 0;
        return rc >= 0;
    }

    // The watchdog: runs from the timer while the write still waits, so it only prints. No reply is being
    // written then (the main loop is inside the write), so the notice cannot land inside a reply line.
    private static void OnSlow(ulong unused) =>
        Console.WriteLine($"# status: xenstore has not answered a write for {SlowAfterMs} ms; requests wait until it does");
}
