using System;
using Unikernel;
using Unikernel.Core.Text;

// The appliance's status for the toolstack's side: data/appliance/status ("ready", "stopped") and
// data/appliance/keys (the key count) in the domain's xenstore home. Without a xenstore (dom0 booted
// directly) there is nobody to tell, and it says so once.
public static class StatusPublisher
{
    public const string StatusPath = "data/appliance/status";
    public const string KeysPath = "data/appliance/keys";

    public static void Start()
    {
        if (!XenStore.IsAvailable)
        {
            Console.WriteLine("appliance: no xenstore (dom0 or no toolstack): status is not published");
            return;
        }
        Write(StatusPath, "ready");
        KeysChanged();
        Announce();
    }

    // Where clients find it: "appliance: domain 3 'appliance', console /dev/pts/2, status in
    // /local/domain/3/data/appliance" (the console pty is the one xenconsoled gave this domain in dom0).
    private static void Announce()
    {
        Span<byte> name = stackalloc byte[64];
        Span<byte> tty = stackalloc byte[64];
        long nameLength = DomainFacts.ReadName(name);
        long ttyLength = XenStore.Read("console/tty", tty);
        long id = DomainFacts.DomainId;
        Span<char> buffer = stackalloc char[200];
        var text = new TextBuilder(buffer);
        text.Append("appliance: domain ");
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

    // "status": what the toolstack's side sees, read back from xenstore.
    public static void Report()
    {
        Span<char> buffer = stackalloc char[96];
        var text = new TextBuilder(buffer);
        if (!XenStore.IsAvailable)
        {
            Console.WriteLine("status unpublished (no xenstore)");
            return;
        }
        Span<byte> value = stackalloc byte[32];
        text.Append("status ");
        AppendValue(ref text, value, XenStore.Read(StatusPath, value));
        text.Append(" keys=");
        AppendValue(ref text, value, XenStore.Read(KeysPath, value));
        Console.WriteLine(text.Text);
    }

    private static void AppendValue(ref TextBuilder text, Span<byte> value, long result)
    {
        if (result >= 0) Ascii.Append(ref text, value.Slice(0, (int)result));
        else text.Append(XenStore.ErrorName(result));
    }

    public static void KeysChanged()
    {
        if (!XenStore.IsAvailable) return;
        Span<char> buffer = stackalloc char[16];
        var count = new TextBuilder(buffer);
        count.Append(KeyValueStore.Count);
        Write(KeysPath, count.Text);
    }

    public static void Stopped()
    {
        if (XenStore.IsAvailable) Write(StatusPath, "stopped");
    }

    // A failed write is reported, not fatal: the store keeps serving its clients.
    private static void Write(ReadOnlySpan<char> path, ReadOnlySpan<char> value)
    {
        long rc = XenStore.Write(path, value);
        if (rc >= 0) return;
        Console.WriteLine($"appliance: xenstore write {path} failed: {XenStore.ErrorName(rc)}");
    }
}
