using System;
using Unikernel;
using Unikernel.Core.Storage;
using Unikernel.Core.Text;

// The store on a disk (xvda), when the domain has one: every set and del is a record appended to a log and
// flushed before the reply says ok, so a crash or xl destroy at any moment loses nothing acknowledged. The
// format is Core's LogFormat (README "Durable storage"): two regions of at most 512 KiB at the start of the
// disk, each a header sector (generation, first sequence number) and records. At start the active region
// is replayed into the in-memory table; when it fills, the live keys are written to the other region as a
// new generation, and only then its header, so a crash during compaction leaves the old region in charge.
public static unsafe class DiskLog
{
    public const string DeviceName = "xvda";
    public const int MaxRegionSectors = 1024;       // 512 KiB: the log uses at most 1 MiB of the disk
    private const int Sector = LogFormat.SectorBytes;
    private const int MaxRecordBytes = 3 * Sector;   // a key of 64 and a value of 1024 bytes with the header

    private static BlockDevice s_disk;
    private static bool s_open;
    private static ulong s_regionSectors;
    private static int s_active;
    private static uint s_generation;
    private static ulong s_nextSequence;
    private static int s_endBytes;                  // of the active region: header and records so far
    private static byte* s_image;                   // a region's worth of pages, for recovery and compaction
    private static int s_compactions, s_records;

    public static bool IsOpen => s_open;
    public static int Compactions => s_compactions;
    public static uint Generation => s_generation;
    public static int LogSectors => s_endBytes / Sector;
    public static ulong RegionSectors => s_regionSectors;

    // Storage as the greeting, help and status put it.
    public static void AppendStorage(ref TextBuilder text)
    {
        if (!s_open) { text.Append("storage: memory only (lost at shutdown)"); return; }
        text.Append($"storage: disk {DeviceName}, every change flushed before ok");
    }

    // Opens xvda and replays its log into KeyValueStore; false (memory only) without a usable disk, with a
    // notice saying why when there is a disk we cannot use.
    public static bool Open()
    {
        if (!BlockDevice.TryOpen(DeviceName, out s_disk)) return false;
        if (s_disk.IsReadOnly || s_disk.SectorSize != Sector || s_disk.SectorCount < 16)
        {
            Console.WriteLine($"# appliance: disk {DeviceName} is not usable (read-only, sectors of {s_disk.SectorSize} bytes or under 16 sectors): memory only");
            return false;
        }
        s_regionSectors = s_disk.SectorCount / 2 < MaxRegionSectors ? s_disk.SectorCount / 2 : MaxRegionSectors;
        s_image = (byte*)Pages.Allocate(s_regionSectors * Sector / Pages.Size + 1);
        if (s_image == null) { Console.WriteLine("# appliance: no memory for the disk log: memory only"); return false; }

        Span<byte> header0 = stackalloc byte[Sector], header1 = stackalloc byte[Sector];
        if (!Check(s_disk.Read(0, header0)) || !Check(s_disk.Read(s_regionSectors, header1))) return false;
        s_active = LogReplay.ChooseActive(header0, header1);
        if (s_active < 0)
        {
            // A new disk (or not ours): start region 0 at generation 1.
            s_active = 0;
            LogFormat.EncodeRegionHeader(header0, 1, 1);
            if (!Check(s_disk.Write(0, header0)) || !Flush()) return false;
            Console.WriteLine($"# appliance: disk {DeviceName}: no log found, starting one ({s_regionSectors} sectors per region)");
        }
        int bytes = (int)s_regionSectors * Sector;
        if (!ReadRegion(s_active, bytes)) return false;
        LogReplay.Replay(new ReadOnlySpan<byte>(s_image, bytes), &Apply, 0, out LogReplayResult result);
        s_generation = result.Generation;
        s_nextSequence = result.NextSequence;
        s_endBytes = result.EndBytes;
        s_records = result.Records;
        s_open = true;
        var text = new TextBuilder(stackalloc char[200]);
        text.Append($"# appliance: disk {DeviceName}: recovered {KeyValueStore.Count} keys from {result.Records} records (region {s_active}, generation {s_generation}, sequence {result.FirstSequence}..{s_nextSequence}): ");
        text.Append(LogReplay.Describe(result.StoppedAt));
        Console.WriteLine(text.Text);
        return true;
    }

    private static void Apply(LogRecordKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong context)
    {
        if (kind == LogRecordKind.Set) KeyValueStore.Set(key, value);
        else KeyValueStore.Delete(key);
    }

    // Appends one change and flushes it; false after saying why in the reply-less notice (the caller replies
    // with an error). Compacts first when the region has no room for it.
    public static bool Append(LogRecordKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Span<byte> record = stackalloc byte[MaxRecordBytes];
        int bytes = LogFormat.RecordSectors(key.Length, value.Length) * Sector;
        if (s_endBytes + bytes > (int)s_regionSectors * Sector)
        {
            if (!Compact()) return false;
            if (s_endBytes + bytes > (int)s_regionSectors * Sector) { Console.WriteLine("# appliance: the disk log is full even after compaction"); return false; }
        }
        LogFormat.EncodeRecord(record, s_generation, s_nextSequence, kind, key, value);
        if (!Check(s_disk.Write(RegionStart(s_active) + (ulong)(s_endBytes / Sector), record.Slice(0, bytes))) || !Flush()) return false;
        s_endBytes += bytes;
        s_nextSequence++;
        s_records++;
        return true;
    }

    // The live keys into the other region as the next generation: records first (flushed), then its header
    // (flushed). Until the header is down, a crash leaves the current region active and whole.
    private static bool Compact()
    {
        int other = 1 - s_active;
        uint generation = s_generation + 1;
        ulong first = s_nextSequence, sequence = first;
        int at = Sector, limit = (int)s_regionSectors * Sector;
        for (int i = 0; KeyValueStore.KeyAt(i, out ReadOnlySpan<byte> key); i++)
        {
            KeyValueStore.Get(key, out ReadOnlySpan<byte> value);
            int bytes = LogFormat.EncodeRecord(new Span<byte>(s_image + at, limit - at), generation, sequence, LogRecordKind.Set, key, value);
            if (bytes == 0) { Console.WriteLine("# appliance: the live keys do not fit in a log region"); return false; }
            at += bytes;
            sequence++;
        }
        for (int done = Sector; done < at; done += BlockDevice.MaxTransferBytes)
        {
            int n = at - done < BlockDevice.MaxTransferBytes ? at - done : BlockDevice.MaxTransferBytes;
            if (!Check(s_disk.Write(RegionStart(other) + (ulong)(done / Sector), new ReadOnlySpan<byte>(s_image + done, n)))) return false;
        }
        if (!Flush()) return false;
        LogFormat.EncodeRegionHeader(new Span<byte>(s_image, Sector), generation, first);
        if (!Check(s_disk.Write(RegionStart(other), new ReadOnlySpan<byte>(s_image, Sector))) || !Flush()) return false;
        s_active = other;
        s_generation = generation;
        s_endBytes = at;
        s_nextSequence = sequence;
        s_compactions++;
        Console.WriteLine($"# appliance: log compacted into region {other} (generation {generation}, {KeyValueStore.Count} keys in {at / Sector - 1} sectors)");
        return true;
    }

    private static bool ReadRegion(int region, int bytes)
    {
        for (int done = 0; done < bytes; done += BlockDevice.MaxTransferBytes)
        {
            int n = bytes - done < BlockDevice.MaxTransferBytes ? bytes - done : BlockDevice.MaxTransferBytes;
            if (!Check(s_disk.Read(RegionStart(region) + (ulong)(done / Sector), new Span<byte>(s_image + done, n)))) return false;
        }
        return true;
    }

    private static ulong RegionStart(int region) => (ulong)region * s_regionSectors;

    // A flush where the backend offers one; without, a completed write is all the backend promises.
    private static bool Flush() => !s_disk.CanFlush || Check(s_disk.Flush());

    private static bool Check(BlockResult result)
    {
        if (result.Ok) return true;
        Span<char> text = stackalloc char[160];
        int n = result.Describe(text);
        Console.Write($"# appliance: disk {DeviceName}: ");
        Console.WriteLine(text.Slice(0, n));
        return false;
    }
}
