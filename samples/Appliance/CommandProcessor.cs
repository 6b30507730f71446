using System;
using Unikernel;
using Unikernel.Core.Text;

// The line protocol (README.md, "The appliance's protocol"). Each request line gets exactly one reply line,
// and every reply starts with its word, never with '#':
//   set <key> <value>   -> ok                  (value: the rest of the line, spaces included)
//   get <key>           -> value <value>
//   del <key>           -> ok
//   keys                -> keys <n>: <key> <key> ...
//   stats               -> stats keys=... value_bytes=... capacity=... store_pages=... free_pages=... uptime_ms=...
//   status              -> status ready keys=<n> xenstore=<none|published|pending|failed:ERRNO>; storage: ...
//                          (with a disk: "; log <n> of <m> sectors, generation <g>, <c> compactions")
//   help                -> help: <commands>; storage: ...
//   quit                -> ok bye, then a clean power-off (the shutdown hook says goodbye in a notice)
// Anything wrong gets "error <reason>" and the appliance goes on serving; an empty line is no request and
// gets no reply. Whatever else the appliance prints (greeting, xenstore trouble, goodbye) is a notice, a
// line starting with "# ", which may come at any time, also between a request and its reply.
public static class CommandProcessor
{
    // Where the data lives (DiskLog: a disk, or memory only and lost when the domain ends) is said in the
    // greeting, in help, in status and at goodbye.
    public const string Help = "help: set <key> <value> | get <key> | del <key> | keys | stats | status | help | quit; ";

    // False when the client asked to quit.
    public static bool Handle(ReadOnlySpan<byte> line, bool truncated)
    {
        if (truncated)
        {
            Error("line too long (max 1100 bytes), ignored");
            return true;
        }
        if (line.IsEmpty) return true;
        if (!Ascii.IsPrintable(line))
        {
            Error("binary data: requests are printable ASCII");
            return true;
        }

        ReadOnlySpan<byte> command = Ascii.FirstWord(line, out ReadOnlySpan<byte> arguments);
        if (command.SequenceEqual("set"u8)) Set(arguments);
        else if (command.SequenceEqual("get"u8)) Get(arguments);
        else if (command.SequenceEqual("del"u8)) Delete(arguments);
        else if (command.SequenceEqual("keys"u8)) Keys();
        else if (command.SequenceEqual("stats"u8)) Stats();
        else if (command.SequenceEqual("status"u8)) Status();
        else if (command.SequenceEqual("help"u8)) HelpReply();
        else if (command.SequenceEqual("quit"u8))
        {
            Console.WriteLine("ok bye");
            return false;
        }
        else UnknownCommand(command);
        return true;
    }

    private static void Set(ReadOnlySpan<byte> arguments)
    {
        ReadOnlySpan<byte> key = Ascii.FirstWord(arguments, out ReadOnlySpan<byte> value);
        if (key.IsEmpty || value.IsEmpty) { Error("usage: set <key> <value>"); return; }
        StoreResult result = DurableStore.Set(key, value);
        if (result == StoreResult.DiskFailed) Error("disk write failed, not stored");
        else if (result != StoreResult.Ok) Report(result);
        else Console.WriteLine("ok");
    }

    // One line, written in pieces (a value set over the network may be far longer than a console line).
    private static void Get(ReadOnlySpan<byte> arguments)
    {
        if (!IsOneKey(arguments)) { Error("usage: get <key>"); return; }
        if (KeyValueStore.Get(arguments, out ReadOnlySpan<byte> value) != StoreResult.Ok) { Report(StoreResult.NotFound); return; }
        Console.Write("value ");
        Span<char> buffer = stackalloc char[256];
        for (int done = 0; done < value.Length; done += buffer.Length)
        {
            var piece = new TextBuilder(buffer);
            Ascii.Append(ref piece, value.Slice(done, value.Length - done < buffer.Length ? value.Length - done : buffer.Length));
            Console.Write(piece.Text);
        }
        Console.WriteLine();
    }

    private static void Delete(ReadOnlySpan<byte> arguments)
    {
        if (!IsOneKey(arguments)) { Error("usage: del <key>"); return; }
        StoreResult result = DurableStore.Delete(arguments);
        if (result == StoreResult.DiskFailed) Error("disk write failed, not deleted");
        else if (result != StoreResult.Ok) Report(result);
        else Console.WriteLine("ok");
    }

    // One line, written key by key (the console sends a long line in pieces, never cut).
    private static void Keys()
    {
        Console.Write($"keys {KeyValueStore.Count}:");
        Span<char> buffer = stackalloc char[KeyValueStore.MaxKey + 1];
        for (int i = 0; KeyValueStore.KeyAt(i, out ReadOnlySpan<byte> key); i++)
        {
            var word = new TextBuilder(buffer);
            word.Append(' ');
            Ascii.Append(ref word, key);
            Console.Write(word.Text);
        }
        Console.WriteLine();
    }

    private static void HelpReply()
    {
        var reply = new TextBuilder(stackalloc char[192]);
        reply.Append(Help);
        DiskLog.AppendStorage(ref reply);
        Console.WriteLine(reply.Text);
    }

    // From memory: a status request never waits on xenstore (StatusPublisher).
    private static void Status()
    {
        var reply = new TextBuilder(stackalloc char[256]);
        reply.Append($"status ready keys={KeyValueStore.Count} xenstore=");
        StatusPublisher.AppendState(ref reply);
        reply.Append("; ");
        DiskLog.AppendStorage(ref reply);
        if (DiskLog.IsOpen) reply.Append($"; log {DiskLog.LogSectors} of {DiskLog.RegionSectors} sectors, generation {DiskLog.Generation}, {DiskLog.Compactions} compactions");
        Console.WriteLine(reply.Text);
    }

    private static void Stats() =>
        Console.WriteLine($"stats keys={KeyValueStore.Count} value_bytes={KeyValueStore.ValueBytes} capacity={KeyValueStore.Capacity} store_pages={KeyValueStore.PageCount} free_pages={Pages.FreeCount} uptime_ms={(Clock.Now - Program.StartedAt) / Clock.NanosecondsPerMillisecond}");

    private static bool IsOneKey(ReadOnlySpan<byte> arguments)
    {
        if (arguments.IsEmpty) return false;
        for (int i = 0; i < arguments.Length; i++) if (arguments[i] == (byte)' ') return false;
        return true;
    }

    private static void Report(StoreResult result)
    {
        if (result == StoreResult.NotFound) Error("no such key");
        else if (result == StoreResult.Full) Error("store full (256 keys)");
        else if (result == StoreResult.KeyTooLong) Error("key too long (max 64 bytes)");
        else if (result == StoreResult.ValueTooLong) Error("value too long (max 1024 bytes)");
        else if (result == StoreResult.NoMemory) Error("out of memory, not stored");
        else Error("internal error");
    }

    private static void UnknownCommand(ReadOnlySpan<byte> command)
    {
        Span<char> buffer = stackalloc char[96];
        var reply = new TextBuilder(buffer);
        reply.Append("error unknown command '");
        Ascii.Append(ref reply, command.Length > 32 ? command.Slice(0, 32) : command);
        reply.Append("' (try help)");
        Console.WriteLine(reply.Text);
    }

    private static void Error(ReadOnlySpan<char> reason) => Console.WriteLine($"error {reason}");
}
