using System;
using Unikernel;

// UnikernelApp: a key-value store, one request per line, one reply line per request:
//   set <key> <value>  -> ok               get <key> -> value <value>       del <key> -> ok
//   keys               -> keys <n>: ...    help      -> help: ...           quit      -> ok bye
// Anything else gets "error <reason>". Lines starting with "# " are notices, not replies.
// Served on the console (dotnet run: type requests; Ctrl-C stops it; dotnet run < requests.txt: a scripted
// session; quit there powers off) and, when the domain has a network (a vif in the xl cfg), on TCP port 7000
// (port=N on the guest command line changes it; quit there closes that connection): nc 169.254.0.2 7000.
// The store is one page of memory; with a disk (xvda in the cfg) the page is also kept on it (SaveToDisk).
public static unsafe class Program
{
    private const int Slots = 16, MaxKey = 30, MaxValue = 222;  // 16 slots of 254 bytes in one 4 KiB page
    private const int SlotSize = 2 + MaxKey + MaxValue;          // [key length][value length][key][value]
    private const ushort DefaultPort = 7000;
    private const int MaxClients = 4;                             // TCP clients at once; peer 0 is the console

    // Where requests come from: the console (peer 0) or a TCP client, each with its partial line.
    private struct Peer { public TcpConnection Connection; public bool Open; public int Length; public bool TooLong; }

    private static byte* _store, _lines, _reply;
    private static int _replyLength;
    private static readonly Peer[] _peers = new Peer[1 + MaxClients];
    private static TcpListener _listener;
    private static BlockDevice _disk;
    private static bool _hasDisk;

    public static int Main()
    {
        _store = (byte*)Pages.Allocate();
        _lines = (byte*)Pages.Allocate();                         // a line of Console.MaxLine bytes per peer
        _reply = (byte*)Pages.Allocate();
        if (_store == null || _lines == null || _reply == null) return 1;
        new Span<byte>(_store, Pages.Size).Clear();
        _peers[0].Open = true;
        Lifecycle.AddShutdownHook(&Goodbye);
        OpenDisk();
        if (Network.IsConfigured) Listen(Port());
        Console.WriteLine($"# UnikernelApp ready: {Slots} keys; type help");

        Span<byte> chunk = stackalloc byte[512];
        while (true)
        {
            Lifecycle.WaitUntil(&HasWork, 0);                     // the console or the network, whichever first
            int n;
            while ((n = Console.TryRead(chunk)) > 0)
                if (!Feed(0, chunk.Slice(0, n))) return 0;        // quit on the console: a clean power-off
            while (_listener.IsListening && _listener.TryAccept(out TcpConnection connection) == 0) Accept(connection);
            for (int p = 1; p <= MaxClients; p++)
            {
                while (_peers[p].Open && (n = _peers[p].Connection.TryRead(chunk)) != Errno.EAGAIN)
                {
                    if (n <= 0 || !Feed(p, chunk.Slice(0, n))) Hangup(p); // end of stream, error or quit
                }
            }
        }
    }

    private static bool HasWork(ulong unused)
    {
        if (Console.HasInput || (_listener.IsListening && _listener.HasPendingConnection)) return true;
        for (int p = 1; p <= MaxClients; p++)
            if (_peers[p].Open && _peers[p].Connection.CanRead) return true;
        return false;
    }

    // Adds bytes to a peer's line; answers each whole line ("\r" or "\n" ends one). False after quit.
    private static bool Feed(int p, ReadOnlySpan<byte> bytes)
    {
        byte* line = _lines + p * Console.MaxLine;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b != (byte)'\n' && b != (byte)'\r')
            {
                if (_peers[p].Length < Console.MaxLine) line[_peers[p].Length++] = b;
                else _peers[p].TooLong = true;
                continue;
            }
            bool quit = false;
            if (_peers[p].TooLong) { Add("error line too long"u8); Send(p); }
            else if (_peers[p].Length > 0) quit = !Handle(new ReadOnlySpan<byte>(line, _peers[p].Length), p);
            _peers[p].Length = 0;
            _peers[p].TooLong = false;
            if (quit) return false;
        }
        return true;
    }

    // Answers one request to peer p; false for quit.
    private static bool Handle(ReadOnlySpan<byte> request, int p)
    {
        ReadOnlySpan<byte> command = Word(request, out ReadOnlySpan<byte> rest);
        ReadOnlySpan<byte> key = Word(rest, out ReadOnlySpan<byte> value);
        if (command.SequenceEqual("quit"u8)) { Add("ok bye"u8); Send(p); return false; }
        if (command.SequenceEqual("help"u8)) Add("help: set <key> <value>, get <key>, del <key>, keys, quit"u8);
        else if (command.SequenceEqual("keys"u8)) Keys();
        else if (key.Length == 0 || key.Length > MaxKey) Add("error usage: set|get|del <key> (up to 30 bytes)"u8);
        else if (command.SequenceEqual("get"u8)) Get(key);
        else if (command.SequenceEqual("set"u8)) Set(key, value);
        else if (command.SequenceEqual("del"u8)) Delete(key);
        else Add("error unknown command (try help)"u8);
        Send(p);
        return true;
    }

    private static void Get(ReadOnlySpan<byte> key)
    {
        byte* slot = Find(key);
        if (slot == null) { Add("error no such key"u8); return; }
        Add("value "u8);
        Add(new ReadOnlySpan<byte>(slot + 2 + MaxKey, slot[1]));
    }

    private static void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxValue) { Add("error value too long (up to 222 bytes)"u8); return; }
        byte* slot = Find(key);
        for (int i = 0; slot == null && i < Slots; i++)
            if (Slot(i)[0] == 0) slot = Slot(i);
        if (slot == null) { Add("error store full"u8); return; }
        slot[0] = (byte)key.Length;
        slot[1] = (byte)value.Length;
        key.CopyTo(new Span<byte>(slot + 2, MaxKey));
        value.CopyTo(new Span<byte>(slot + 2 + MaxKey, MaxValue));
        Add(SaveToDisk() ? "ok"u8 : "error disk write failed (kept in memory)"u8);
    }

    private static void Delete(ReadOnlySpan<byte> key)
    {
        byte* slot = Find(key);
        if (slot == null) { Add("error no such key"u8); return; }
        slot[0] = 0;
        Add(SaveToDisk() ? "ok"u8 : "error disk write failed (kept in memory)"u8);
    }

    private static void Keys()
    {
        Add("keys "u8);
        Add(Count());
        Add(":"u8);
        for (int i = 0; i < Slots; i++)
        {
            if (Slot(i)[0] == 0) continue;
            Add(" "u8);
            Add(new ReadOnlySpan<byte>(Slot(i) + 2, Slot(i)[0]));
        }
    }

    private static int Count()
    {
        int count = 0;
        for (int i = 0; i < Slots; i++) if (Slot(i)[0] != 0) count++;
        return count;
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

    // A reply is built with Add (it fits: at most 16 keys of 30 bytes) and Send writes it, as one line, to the
    // peer that asked.
    private static void Add(ReadOnlySpan<byte> text)
    {
        text.CopyTo(new Span<byte>(_reply + _replyLength, Pages.Size - _replyLength));
        _replyLength += text.Length;
    }

    private static void Add(int n)
    {
        n.TryFormat(new Span<byte>(_reply + _replyLength, Pages.Size - _replyLength), out int written);
        _replyLength += written;
    }

    private static void Send(int p)
    {
        if (p == 0) Console.WriteLine(new ReadOnlySpan<byte>(_reply, _replyLength));
        else
        {
            _reply[_replyLength++] = (byte)'\n';
            if (_peers[p].Connection.Write(new ReadOnlySpan<byte>(_reply, _replyLength)) < 0) Hangup(p);
        }
        _replyLength = 0;
    }

    // TCP: listen when the domain has a network; each client is a peer until it quits or goes away.
    private static void Listen(ushort port)
    {
        long rc = TcpListener.Listen(port, out _listener);
        if (rc < 0) { Console.WriteLine($"# UnikernelApp: cannot listen on port {port}: {rc} ({Errno.Name(rc)})"); return; }
        Span<char> address = stackalloc char[16];
        int n = Network.Address.Format(address);
        Console.WriteLine($"# UnikernelApp: listening on {address.Slice(0, n)}:{port}");
    }

    private static void Accept(TcpConnection connection)
    {
        for (int p = 1; p <= MaxClients; p++)
        {
            if (_peers[p].Open) continue;
            _peers[p].Connection = connection;
            _peers[p].Open = true;
            _peers[p].Length = 0;
            _peers[p].TooLong = false;
            return;
        }
        connection.Write("error busy: too many clients\n"u8);
        connection.Close();
    }

    private static void Hangup(int p)
    {
        if (!_peers[p].Open) return;
        _peers[p].Connection.Close();
        _peers[p].Open = false;
    }

    // port=N on the guest command line (dotnet run -- port=N, or extra = "port=N" in the cfg), else DefaultPort.
    private static ushort Port()
    {
        ReadOnlySpan<byte> words = DomainFacts.CommandLine;
        while (words.Length > 0)
        {
            ReadOnlySpan<byte> word = Word(words, out words);
            if (word.StartsWith("port="u8) && int.TryParse(word.Slice(5), out int port) && port > 0 && port < 65536) return (ushort)port;
        }
        return DefaultPort;
    }

    // The disk (xvda, when the cfg gives one) holds the store's page as it is in memory, in its first 4 KiB:
    // 16 slots of [key length][value length][key, 30 bytes][value, 222 bytes], then "unikernel-appliance store 1"
    // at byte 4064 (the page's last 32 bytes, which the slots leave free). A disk without that mark is
    // taken as new. Every set and del writes the page and flushes it before its ok. (A crash in the middle
    // of a write can tear the page; samples/Appliance keeps a log that cannot.)
    private static ReadOnlySpan<byte> Mark => "unikernel-appliance store 1"u8;

    private static void OpenDisk()
    {
        if (!BlockDevice.TryOpen("xvda", out _disk)) return;      // no disk: memory only
        if (_disk.IsReadOnly || Pages.Size % _disk.SectorSize != 0 || _disk.SectorCount * _disk.SectorSize < Pages.Size)
        {
            Console.WriteLine("# UnikernelApp: disk xvda is read-only or too small: memory only");
            return;
        }
        var page = new Span<byte>(_store, Pages.Size);
        if (!_disk.Read(0, page).Ok) { Console.WriteLine("# UnikernelApp: cannot read disk xvda: memory only"); return; }
        _hasDisk = true;
        if (page.Slice(Slots * SlotSize).StartsWith(Mark))
        {
            Console.WriteLine($"# UnikernelApp: disk xvda: {Count()} of {Slots} keys");
            return;
        }
        page.Clear();
        Mark.CopyTo(page.Slice(Slots * SlotSize));
        _hasDisk = SaveToDisk();
        Console.WriteLine(_hasDisk ? "# UnikernelApp: disk xvda was not ours: starting an empty store on it" : "# UnikernelApp: cannot write disk xvda: memory only");
    }

    private static bool SaveToDisk()
    {
        if (!_hasDisk) return true;
        BlockResult result = _disk.Write(0, new ReadOnlySpan<byte>(_store, Pages.Size));
        if (result.Ok && _disk.CanFlush) result = _disk.Flush();
        return result.Ok;
    }

    // Runs on quit and when the toolstack shuts the domain down (xl shutdown).
    private static void Goodbye(ShutdownReason reason)
    {
        if (_hasDisk) Console.WriteLine($"# UnikernelApp: goodbye ({Count()} of {Slots} keys kept on disk xvda)");
        else Console.WriteLine("# UnikernelApp: goodbye (memory only: the store is gone)");
    }
}
