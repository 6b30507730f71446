using System;
using Unikernel.Core.Text;
using Unikernel;
using Unikernel.Xen;

// What a domU started by xl gets from its toolstack: its id and name in xenstore, a console it can be
// typed into, 1 MiB of output that must arrive whole, and shutdown requests. The xl tests drive it.
internal static unsafe class XlServices
{
    // Prints the domain's id and name from xenstore, then answers console lines until shut down.
    public static int Serve()
    {
        if (!XenStoreService.IsAvailable)
        {
            XenConsole.WriteLine("xl-services: no xenstore (not started by a toolstack)");
            return 2;
        }
        Span<byte> name = stackalloc byte[64];
        long domid = XenStoreService.ReadDomainId();
        long nameLength = XenStoreService.Read("name", name);
        Span<char> buffer = stackalloc char[160];
        var text = new TextBuilder(buffer);
        text.Append("xenstore: domid=");
        text.Append(domid);
        text.Append(" name=");
        if (nameLength < 0) text.Append(XenError.Name(nameLength));
        else for (int i = 0; i < nameLength; i++) text.Append((char)name[i]);
        XenConsole.WriteLine(text.Text);

        // What the toolstack put in our home directory.
        Span<byte> names = stackalloc byte[512];
        Span<char> homeBuffer = stackalloc char[32];
        var home = new TextBuilder(homeBuffer);
        home.Append("/local/domain/");
        home.Append(domid);
        long listed = XenStoreService.Directory(home.Text, names);
        text = new TextBuilder(buffer);
        text.Append("xenstore home:");
        if (listed < 0) { text.Append(' '); text.Append(XenError.Name(listed)); }
        else for (int i = 0; i < listed; i++) text.Append(names[i] == 0 ? ' ' : (char)names[i]);
        XenConsole.WriteLine(text.Text);

        PrintConsoleTty();

        ShutdownControl.AddHook(&OnShutdown);
        Panic.Check(XenStoreService.Write("data/probe-status", "serving"), "xenstore write data/probe-status");
        return ConsoleEcho.Run();
    }

    // Where xenconsoled put our console (a pty in dom0): the test types into it.
    private static void PrintConsoleTty() => PrintKey("console tty: ", "console/tty");

    // Prints label and the key's value, or the error reading it.
    private static void PrintKey(string label, string path)
    {
        Span<byte> value = stackalloc byte[64];
        long n = XenStoreService.Read(path, value);
        Span<char> buffer = stackalloc char[128];
        var text = new TextBuilder(buffer);
        text.Append(label);
        if (n < 0) text.Append(XenError.Name(n));
        else for (int i = 0; i < n; i++) text.Append((char)value[i]);
        XenConsole.WriteLine(text.Text);
    }

    private static void OnShutdown(ShutdownReason reason)
    {
        XenConsole.WriteLine(reason == ShutdownReason.Reboot ? "shutdown hook: reboot" : "shutdown hook: poweroff");
        XenStoreService.Write("data/probe-status", "stopped");
    }

    // 1 MiB (and a little) of numbered lines whose content the test regenerates and compares byte for byte.
    public static int Megabyte()
    {
        XenConsole.WriteLine("megabyte: begin");
        Span<char> line = stackalloc char[96];
        const int Lines = 1 << 14; // 16384 lines of 67 bytes: just over 1 MiB
        for (int n = 0; n < Lines; n++)
        {
            var text = new TextBuilder(line);
            text.Append("m");
            text.AppendHex((ulong)n, 5);
            text.Append(' ');
            // 57 characters that change with n, so a lost, doubled or reordered chunk shows.
            ulong state = (ulong)n * 0x9E3779B97F4A7C15UL + 1;
            for (int i = 0; i < 57; i++)
            {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                text.Append((char)('!' + (int)(state % 94)));
            }
            XenConsole.WriteLine(text.Text); // "m0x" + 5 digits + ' ' + 57 + newline = 67 bytes
        }
        XenConsole.WriteLine("megabyte: end");
        return 0;
    }
}
