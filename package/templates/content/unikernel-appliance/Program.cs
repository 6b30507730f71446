using System;
using Unikernel;

// UnikernelApp: a key-value store served over the console, one request per line, one reply line per request:
//   set <key> <value>  -> ok               get <key> -> value <value>       del <key> -> ok
//   keys               -> keys <n>: ...    help      -> help: ...           quit      -> ok bye (powers off)
// Anything else gets "error <reason>". Lines starting with "# " are notices, not replies.
// dotnet run: type requests (Ctrl-C stops it); dotnet run < requests.txt: a scripted session.
// The store lives in one page of memory and is lost at power-off.
public static unsafe class Program
{
    private const int Slots = 16, MaxKey = 30, MaxValue = 222;  // 16 slots of 256 bytes: one 4 KiB page
    private const int SlotSize = 2 + MaxKey + MaxValue;          // [key length][value length][key][value]
    private static byte* _store;

    public static int Main()
    {
        _store = (byte*)Pages.Allocate();
        if (_store == null) return 1;
        new Span<byte>(_store, Pages.Size).Clear();
        Lifecycle.AddShutdownHook(&Goodbye);
        Console.WriteLine($"# UnikernelApp ready: {Slots} keys; type help");

        Span<byte> line = stackalloc byte[Console.MaxLine];
        while (true)
        {
            int length = Console.ReadLine(line, out bool truncated);
            if (length == 0) continue;                            // an empty line is no request
            if (truncated) { Console.WriteLine("error line too long"); continue; }
            if (!Handle(line.Slice(0, length))) return 0;         // quit: a clean power-off
        }
    }

    // Answers one request; false for quit.
    private static bool Handle(ReadOnlySpan<byte> request)
    {
        ReadOnlySpan<byte> command = Word(request, out ReadOnlySpan<byte> rest);
        ReadOnlySpan<byte> key = Word(rest, out ReadOnlySpan<byte> value);
        if (command.SequenceEqual("quit"u8)) { Console.WriteLine("ok bye"); return false; }
        if (command.SequenceEqual("help"u8)) Console.WriteLine("help: set <key> <value>, get <key>, del <key>, keys, quit");
        else if (command.SequenceEqual("keys"u8)) Keys();
        else if (key.Length == 0 || key.Length > MaxKey) Console.WriteLine("error usage: set|get|del <key> (up to 30 bytes)");
        else if (command.SequenceEqual("get"u8)) Get(key);
        else if (command.SequenceEqual("set"u8)) Set(key, value);
        else if (command.SequenceEqual("del"u8)) Delete(key);
        else Console.WriteLine("error unknown command (try help)");
        return true;
    }

    private static void Get(ReadOnlySpan<byte> key)
    {
        byte* slot = Find(key);
        if (slot == null) { Console.WriteLine("error no such key"); return; }
        Console.Write("value "u8);
        Console.WriteLine(new ReadOnlySpan<byte>(slot + 2 + MaxKey, slot[1]));
    }

    private static void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxValue) { Console.WriteLine("error value too long (up to 222 bytes)"); return; }
        byte* slot = Find(key);
        for (int i = 0; slot == null && i < Slots; i++)
            if (Slot(i)[0] == 0) slot = Slot(i);
        if (slot == null) { Console.WriteLine("error store full"); return; }
        slot[0] = (byte)key.Length;
        slot[1] = (byte)value.Length;
        key.CopyTo(new Span<byte>(slot + 2, MaxKey));
        value.CopyTo(new Span<byte>(slot + 2 + MaxKey, MaxValue));
        Console.WriteLine("ok");
    }

    private static void Delete(ReadOnlySpan<byte> key)
    {
        byte* slot = Find(key);
        if (slot == null) { Console.WriteLine("error no such key"); return; }
        slot[0] = 0;
        Console.WriteLine("ok");
    }

    private static void Keys()
    {
        int count = 0;
        for (int i = 0; i < Slots; i++) if (Slot(i)[0] != 0) count++;
        Console.Write($"keys {count}:");
        for (int i = 0; i < Slots; i++)
        {
            if (Slot(i)[0] == 0) continue;
            Console.Write(' ');
            Console.Write(new ReadOnlySpan<byte>(Slot(i) + 2, Slot(i)[0]));
        }
        Console.WriteLine();
    }

    private static byte* Slot(int i) => _store + i * SlotSize;

    private static byte* Find(ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < Slots; i++)
        {
            byte* slot = Slot(i);
            if (slot[0] != 0 && key.SequenceEqual(new ReadOnlySpan<byte>(slot + 2, slot[0]))) return slot;
        }
        return null;
    }

    // The first space-separated word of text; rest is what follows the space.
    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> rest)
    {
        int i = text.IndexOf((byte)' ');
        if (i < 0) { rest = default; return text; }
        rest = text.Slice(i + 1);
        return text.Slice(0, i);
    }

    // Runs on quit and when the toolstack shuts the domain down (xl shutdown).
    private static void Goodbye(ShutdownReason reason) => Console.WriteLine("# UnikernelApp: goodbye (memory only: the store is gone)");
}
