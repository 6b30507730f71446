using System;
using Unikernel;
using Unikernel.Core.Protocols;

// The Redis commands the appliance answers, with Redis's replies and error texts: PING, ECHO, SET, GET, DEL,
// EXISTS, KEYS (glob patterns), DBSIZE, INFO, QUIT, and CONFIG GET (save and appendonly, which redis-benchmark
// asks for at start) and COMMAND (empty: redis-cli asks for the command table when interactive).
public static class RespCommands
{
    // Runs one request; false when the connection is to be closed after the reply (QUIT).
    public static bool Execute(scoped ReadOnlySpan<byte> input, scoped ReadOnlySpan<RespArgument> args, ref RespServer.RespWriter reply)
    {
        ReadOnlySpan<byte> name = Arg(input, args, 0);
        int argc = args.Length;
        if (Is(name, "GET")) { if (argc != 2) return Arity(ref reply, name); Get(Arg(input, args, 1), ref reply); }
        else if (Is(name, "SET")) Set(input, args, ref reply);
        else if (Is(name, "PING"))
        {
            if (argc > 2) return Arity(ref reply, name);
            if (argc == 2) Bulk(ref reply, Arg(input, args, 1));
            else Simple(ref reply, "PONG");
        }
        else if (Is(name, "ECHO")) { if (argc != 2) return Arity(ref reply, name); Bulk(ref reply, Arg(input, args, 1)); }
        else if (Is(name, "DEL"))
        {
            if (argc < 2) return Arity(ref reply, name);
            long deleted = 0;
            for (int i = 1; i < argc; i++)
            {
                StoreResult r = DurableStore.Delete(Arg(input, args, i));
                if (r == StoreResult.DiskFailed) { Error(ref reply, "ERR disk write failed, not deleted"); return true; }
                if (r == StoreResult.Ok) deleted++;
            }
            Integer(ref reply, deleted);
        }
        else if (Is(name, "EXISTS"))
        {
            if (argc < 2) return Arity(ref reply, name);
            long found = 0;
            for (int i = 1; i < argc; i++) if (KeyValueStore.Contains(Arg(input, args, i))) found++;
            Integer(ref reply, found);
        }
        else if (Is(name, "KEYS")) { if (argc != 2) return Arity(ref reply, name); Keys(Arg(input, args, 1), ref reply); }
        else if (Is(name, "DBSIZE")) { if (argc != 1) return Arity(ref reply, name); Integer(ref reply, KeyValueStore.Count); }
        else if (Is(name, "INFO")) Info(ref reply);
        else if (Is(name, "QUIT")) { Simple(ref reply, "OK"); return false; }
        else if (Is(name, "CONFIG") && argc == 3 && Is(Arg(input, args, 1), "GET")) ConfigGet(Arg(input, args, 2), ref reply);
        else if (Is(name, "COMMAND")) reply.Advance(RespReply.ArrayHeader(reply.Room(8), 0));
        else Unknown(ref reply, name, input, args);
        return true;
    }

    private static void Set(ReadOnlySpan<byte> input, ReadOnlySpan<RespArgument> args, ref RespServer.RespWriter reply)
    {
        if (args.Length < 3) { Arity(ref reply, Arg(input, args, 0)); return; }
        if (args.Length > 3) { Error(ref reply, "ERR syntax error"); return; } // no EX/PX/NX/XX: no expiry here
        StoreResult r = DurableStore.Set(Arg(input, args, 1), Arg(input, args, 2));
        if (r == StoreResult.Ok) Simple(ref reply, "OK");
        else if (r == StoreResult.KeyTooLong) Error(ref reply, "ERR key too long (max 64 bytes)");
        else if (r == StoreResult.ValueTooLong) Reply.ValueTooLong(ref reply);
        else if (r == StoreResult.Full) Error(ref reply, "ERR store full (256 keys)");
        else if (r == StoreResult.NoMemory) Error(ref reply, "OOM out of memory, not stored");
        else Error(ref reply, "ERR disk write failed, not stored");
    }

    private static class Reply
    {
        public static void ValueTooLong(ref RespServer.RespWriter reply)
        {
            Span<char> text = stackalloc char[80];
            var t = new Unikernel.Core.Text.TextBuilder(text);
            t.Append($"ERR value too long (max {DurableStore.MaxValue} bytes)");
            Error(ref reply, t.Text);
        }
    }

    // What redis-benchmark asks at start: save (no snapshots here) and appendonly (the disk log is not AOF).
    private static void ConfigGet(ReadOnlySpan<byte> parameter, ref RespServer.RespWriter reply)
    {
        bool save = Is(parameter, "SAVE"), appendOnly = Is(parameter, "APPENDONLY");
        if (!save && !appendOnly) { reply.Advance(RespReply.ArrayHeader(reply.Room(8), 0)); return; }
        reply.Advance(RespReply.ArrayHeader(reply.Room(8), 2));
        Bulk(ref reply, parameter);
        Bulk(ref reply, save ? default : "no"u8);
    }

    private static void Get(ReadOnlySpan<byte> key, ref RespServer.RespWriter reply)
    {
        if (KeyValueStore.Get(key, out ReadOnlySpan<byte> value) != StoreResult.Ok)
        {
            reply.Advance(RespReply.NullBulk(reply.Room(8)));
            return;
        }
        Bulk(ref reply, value);
    }

    private static void Keys(ReadOnlySpan<byte> pattern, ref RespServer.RespWriter reply)
    {
        int matches = 0;
        for (int i = 0; KeyValueStore.KeyAt(i, out ReadOnlySpan<byte> key); i++) if (Glob.Matches(pattern, key)) matches++;
        reply.Advance(RespReply.ArrayHeader(reply.Room(24), matches));
        for (int i = 0; KeyValueStore.KeyAt(i, out ReadOnlySpan<byte> key) && matches > 0; i++)
            if (Glob.Matches(pattern, key)) { Bulk(ref reply, key); matches--; }
    }

    private static void Info(ref RespServer.RespWriter reply)
    {
        Span<char> text = stackalloc char[1536];
        var t = new Unikernel.Core.Text.TextBuilder(text);
        t.Append($"# Server\r\nredis_version:7.0.0-unikernel\r\nredis_mode:standalone\r\nos:Xen PV unikernel (Unikernel.NET)\r\nuptime_in_seconds:{(Clock.Now - Program.StartedAt) / Clock.NanosecondsPerSecond}\r\n");
        t.Append($"# Clients\r\nconnected_clients:{RespServer.Clients}\r\n");
        t.Append($"# Stats\r\ntotal_connections_received:{RespServer.Accepted}\r\ntotal_commands_processed:{RespServer.Requests}\r\n");
        t.Append($"# Keyspace\r\ndb0:keys={KeyValueStore.Count},expires=0\r\n");
        t.Append(DiskLog.IsOpen ? "# Persistence\r\nstorage:disk\r\n" : "# Persistence\r\nstorage:memory\r\n");
        // The interface's and TCP's counters (drops, retransmissions, a full transmit ring), on one line.
        Span<char> counters = stackalloc char[1024];
        int n = Network.DescribeCounters(counters);
        t.Append("# Network\r\nnetwork_counters:");
        t.Append(counters.Slice(0, n));
        t.Append("\r\n");
        Span<byte> bytes = stackalloc byte[1536];
        Bulk(ref reply, bytes.Slice(0, Unikernel.Core.Text.Utf8Encoder.Encode(t.Text, bytes))); // ASCII: it fits
    }

    private static void Unknown(ref RespServer.RespWriter reply, ReadOnlySpan<byte> name, ReadOnlySpan<byte> input, ReadOnlySpan<RespArgument> args)
    {
        Span<char> text = stackalloc char[160];
        var t = new Unikernel.Core.Text.TextBuilder(text);
        t.Append("ERR unknown command '");
        Ascii.Append(ref t, name.Length > 32 ? name.Slice(0, 32) : name);
        t.Append("', with args beginning with: ");
        for (int i = 1; i < args.Length && t.Length < 140; i++)
        {
            ReadOnlySpan<byte> a = Arg(input, args, i);
            t.Append('\'');
            Ascii.Append(ref t, a.Length > 16 ? a.Slice(0, 16) : a);
            t.Append("' ");
        }
        Error(ref reply, t.Text);
    }

    // Redis's text: "ERR wrong number of arguments for 'get' command".
    private static bool Arity(ref RespServer.RespWriter reply, ReadOnlySpan<byte> name)
    {
        Span<char> text = stackalloc char[96];
        var t = new Unikernel.Core.Text.TextBuilder(text);
        t.Append("ERR wrong number of arguments for '");
        for (int i = 0; i < name.Length && i < 16; i++) t.Append((char)(name[i] | 0x20));
        t.Append("' command");
        Error(ref reply, t.Text);
        return true;
    }

    private static ReadOnlySpan<byte> Arg(ReadOnlySpan<byte> input, ReadOnlySpan<RespArgument> args, int i) =>
        input.Slice(args[i].Start, args[i].Length);

    // Command names are case-insensitive.
    private static bool Is(ReadOnlySpan<byte> word, string upper)
    {
        if (word.Length != upper.Length) return false;
        for (int i = 0; i < word.Length; i++)
        {
            int c = word[i];
            if (c >= 'a' && c <= 'z') c -= 32;
            if (c != upper[i]) return false;
        }
        return true;
    }

    private static void Simple(ref RespServer.RespWriter reply, string text) => reply.Advance(RespReply.Simple(reply.Room(text.Length + 3), text));

    private static void Error(ref RespServer.RespWriter reply, scoped ReadOnlySpan<char> text) => reply.Advance(RespReply.Error(reply.Room(text.Length + 3), text));

    private static void Integer(ref RespServer.RespWriter reply, long value) => reply.Advance(RespReply.Integer(reply.Room(24), value));

    private static void Bulk(ref RespServer.RespWriter reply, scoped ReadOnlySpan<byte> value)
    {
        reply.Advance(RespReply.BulkHeader(reply.Room(16), value.Length));
        reply.Raw(value);
        reply.Advance(RespReply.Crlf(reply.Room(2)));
    }
}
