using System;
using Unikernel;
using Unikernel.Core.Text;
using Unikernel.Xen;

// The block device under xl with dom0's blkback (XlBlockTests): xvda is written with a pattern the host
// recomputes (dom0 hashes the backing file), read back, flushed; errors come back named; xvdb, when there,
// is read-only and refuses writes. Without disks it says so.
internal static unsafe class BlockChecks
{
    private const int Chunk = 32 * 1024;    // 64 sectors, 8 segments
    private const int Depth = 8;            // requests in flight while streaming

    // The byte at offset x of the disk: the 512-byte sector's number (little-endian) in its first 8 bytes,
    // then a function of sector and position. XlBlockTests.Pattern is the same.
    private static byte Pattern(ulong x)
    {
        ulong sector = x / 512, i = x % 512;
        return i < 8 ? (byte)(sector >> (int)(8 * i)) : (byte)(sector * 31 + i * 7 + 1);
    }

    private static void Fill(byte* buffer, ulong offset, int length)
    {
        for (int i = 0; i < length; i++) buffer[i] = Pattern(offset + (ulong)i);
    }

    private static long Mismatches(byte* buffer, ulong offset, int length)
    {
        long bad = 0;
        for (int i = 0; i < length; i++) if (buffer[i] != Pattern(offset + (ulong)i)) bad++;
        return bad;
    }

    public static int Run()
    {
        int failures = 0;
        if (!BlockDevice.TryOpen("xvda", out BlockDevice disk))
        {
            Unikernel.Console.WriteLine("block: no xvda");
            return 0;
        }
        Unikernel.Console.WriteLine($"block: {disk.Name} sectors={disk.SectorCount} sector-size={disk.SectorSize} read-only={(disk.IsReadOnly ? "yes" : "no")} flush={(disk.CanFlush ? "yes" : "no")}");
        ulong bytes = disk.SectorCount * disk.SectorSize;
        byte* buffers = (byte*)Pages.Allocate((ulong)(Depth * Chunk / Pages.Size));

        // Stream the pattern over the whole disk, Depth requests in flight.
        ulong start = Clock.Now;
        ulong offset = 0;
        long inFlight = 0, writeErrors = 0, maxInFlight = 0;
        long* tags = stackalloc long[Depth];
        while (offset < bytes || inFlight > 0)
        {
            while (inFlight < Depth && offset < bytes)
            {
                int length = bytes - offset < Chunk ? (int)(bytes - offset) : Chunk;
                byte* b = buffers + (inFlight % Depth) * Chunk;
                Fill(b, offset, length);
                long tag = disk.SubmitWrite(offset / disk.SectorSize, new ReadOnlySpan<byte>(b, length));
                if (tag < 0) { writeErrors++; Report(new BlockResult(tag, BlockOperation.Write, offset / disk.SectorSize)); break; }
                tags[inFlight++] = tag;
                offset += (ulong)length;
                if (inFlight > maxInFlight) maxInFlight = inFlight;
            }
            if (inFlight == 0) break;
            // Completion in any order: the oldest is waited for, the others are taken as they come.
            BlockResult result = disk.Complete(tags[0]);
            if (!result.Ok) { writeErrors++; Report(result); }
            for (int i = 1; i < inFlight; i++) tags[i - 1] = tags[i];
            inFlight--;
        }
        ulong writeNs = Clock.Now - start;
        failures += CheckReport.Check("block-write-pattern", writeErrors == 0 && offset == bytes);
        failures += CheckReport.Check("block-several-in-flight", maxInFlight == Depth);
        BlockResult flush = disk.Flush();
        if (!flush.Ok) Report(flush);
        failures += CheckReport.Check("block-flush", disk.CanFlush ? flush.Ok : flush.Error == XenError.EOPNOTSUPP);

        // Read it back with the waiting form, in requests of varied size (1 sector up to 11 pages).
        start = Clock.Now;
        long bad = 0, readErrors = 0;
        offset = 0;
        int[] sizes = { 512, 4096, BlockDevice.MaxTransferBytes, 8192, 1536, 32768 };
        for (int k = 0; offset < bytes; k++)
        {
            int length = sizes[k % sizes.Length];
            if ((ulong)length > bytes - offset) length = (int)(bytes - offset);
            BlockResult read = disk.Read(offset / disk.SectorSize, new Span<byte>(buffers, length));
            if (!read.Ok) { readErrors++; Report(read); break; }
            bad += Mismatches(buffers, offset, length);
            offset += (ulong)length;
        }
        ulong readNs = Clock.Now - start;
        failures += CheckReport.Check("block-read-back", readErrors == 0 && bad == 0 && offset == bytes);
        Unikernel.Console.WriteLine($"block: wrote {bytes} bytes in {writeNs / 1000} us, read in {readNs / 1000} us; {disk.RequestCount} requests, {disk.NotificationCount} notifications; mismatched bytes {bad}");

        // Bad requests are refused with the operation and sector named.
        BlockResult past = disk.Write(disk.SectorCount, new ReadOnlySpan<byte>(buffers, 512));
        Report(past);
        failures += CheckReport.Check("block-past-end-refused", past.Error == XenError.EINVAL && past.Sector == disk.SectorCount);
        BlockResult partial = disk.Read(0, new Span<byte>(buffers, 100));
        failures += CheckReport.Check("block-partial-sector-refused", partial.Error == XenError.EINVAL);
        BlockResult huge = disk.Read(0, new Span<byte>(buffers, BlockDevice.MaxTransferBytes + 512));
        failures += CheckReport.Check("block-too-long-refused", huge.Error == XenError.EINVAL);

        // The ring's limit: MaxInFlight requests at once, the next one is refused (not queued, not hung).
        long* many = stackalloc long[BlockDevice.MaxInFlight];
        int submitted = 0;
        for (; submitted < BlockDevice.MaxInFlight; submitted++)
        {
            many[submitted] = disk.SubmitRead((ulong)submitted, buffers + (submitted % Depth) * Chunk, 512);
            if (many[submitted] < 0) break;
        }
        long overflow = disk.SubmitRead(0, buffers, 512);
        bool allOk = submitted == BlockDevice.MaxInFlight;
        for (int i = 0; i < submitted; i++) allOk &= disk.Complete(many[i]).Ok;
        failures += CheckReport.Check("block-ring-full-refused", allOk && overflow == XenError.EBUSY);

        // A tag that is no longer in flight is refused at once, not waited for.
        failures += CheckReport.Check("block-complete-unknown-tag", disk.Complete(many[0]).Error == XenError.EINVAL);

        failures += BackendErrors(disk, buffers);
        failures += ReadOnlyChecks(buffers);
        return failures == 0 ? 0 : 1;
    }

    // Errors the backend itself answers, reached through the driver's internals (the API refuses both
    // requests before they reach the ring): a read past the real end (blkback: BLKIF_RSP_ERROR) and an
    // operation blkback does not know (BLKIF_RSP_EOPNOTSUPP). The ring keeps working afterwards.
    private static int BackendErrors(BlockDevice disk, byte* buffer)
    {
        int failures = 0;
        BlockFront* d = BlockDevices.Find("xvda");
        ulong real = d->Sectors512;
        d->Sectors512 = real + 64; // make the driver believe the disk is larger than it is
        BlockResult beyond = disk.Read(real, new Span<byte>(buffer, 4096));
        d->Sectors512 = real;
        Report(beyond);
        failures += CheckReport.Check("block-backend-error", beyond.Error == XenError.EIO && beyond.Sector == real && beyond.Operation == BlockOperation.Read);

        long tag = BlockFront.Submit(d, 0x7F, 0, buffer, 512, null); // no BLKIF_OP_* has this number
        long status = tag < 0 ? tag : BlockFront.Wait(d, (int)tag);
        if (tag >= 0) BlockFront.Release(d, (int)tag);
        Unikernel.Console.WriteLine($"block: operation 127 answered {status} ({XenError.Name(status)})");
        failures += CheckReport.Check("block-backend-eopnotsupp", status == XenError.EOPNOTSUPP);

        BlockResult after = disk.Read(0, new Span<byte>(buffer, 512));
        failures += CheckReport.Check("block-works-after-errors", after.Ok && Mismatches(buffer, 0, 512) == 0);
        return failures;
    }

    private static int ReadOnlyChecks(byte* buffer)
    {
        if (!BlockDevice.TryOpen("xvdb", out BlockDevice ro)) return 0;
        int failures = 0;
        Unikernel.Console.WriteLine($"block: {ro.Name} sectors={ro.SectorCount} read-only={(ro.IsReadOnly ? "yes" : "no")}");
        failures += CheckReport.Check("block-ro-flagged", ro.IsReadOnly);
        BlockResult write = ro.Write(0, new ReadOnlySpan<byte>(buffer, 512));
        Report(write);
        failures += CheckReport.Check("block-ro-write-refused", write.Error == XenError.EROFS);
        BlockResult read = ro.Read(0, new Span<byte>(buffer, 4096));
        bool marked = read.Ok && buffer[0] == (byte)'r' && buffer[1] == (byte)'o';
        failures += CheckReport.Check("block-ro-read", marked);
        return failures;
    }

    internal static void Report(BlockResult result, string prefix = "block: ")
    {
        Span<char> text = stackalloc char[160];
        int n = result.Describe(text);
        Unikernel.Console.Write(prefix);
        Unikernel.Console.WriteLine(text.Slice(0, n));
    }
}
