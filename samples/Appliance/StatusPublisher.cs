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
        Span<char> buffer = stackalloc char[96];
        var text = new TextBuilder(buffer);
        text.Append("appliance: xenstore write ");
        text.Append(path);
        text.Append(" failed: ");
        text.Append(XenStore.ErrorName(rc));
        Console.WriteLine(text.Text);
    }
}
