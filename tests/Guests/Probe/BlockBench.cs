using System;
using Unikernel;

// The block benchmark's workloads on xvda through our blkfront (ukbench --block compares them with a Linux
// PV domU on the same file): 64 KiB sequential writes (then a flush, as dd conv=fsync) and reads, and 4 KiB
// reads: sequential one at a time, random one at a time and random with 32 in flight. A 64 KiB operation is
// two requests (11 + 5 pages: BLKIF_MAX_SEGMENTS_PER_REQUEST) sent together. Prints
// "blockbench,<workload>,<bytes>,<nanoseconds>" lines and "blockbench-end".
internal static unsafe class BlockBench
{
    private const int Op = 64 * 1024, Small = 4096;

    public static int Run()
    {
        if (!BlockDevice.TryOpen("xvda", out BlockDevice disk)) { Unikernel.Console.WriteLine("blockbench: no xvda"); return 1; }
        ulong bytes = disk.SectorCount * disk.SectorSize;
        byte* buffer = (byte*)Pages.Allocate(32 * Small / Pages.Size + Op / Pages.Size);
        for (int i = 0; i < Op; i++) buffer[i] = (byte)i;
        ulong spb = Small / disk.SectorSize;
        int failures = 0;

        ulong start = Clock.Now;
        for (ulong at = 0; at + Op <= bytes; at += Op) failures += Pair(disk, at, buffer, write: true);
        BlockResult flush = disk.Flush();
        if (!flush.Ok) failures++;
        Report("seq-write-64k", bytes, Clock.Now - start);

        start = Clock.Now;
        for (ulong at = 0; at + Op <= bytes; at += Op) failures += Pair(disk, at, buffer, write: false);
        Report("seq-read-64k", bytes, Clock.Now - start);

        ulong count = 1024; // the 4 KiB workloads: 4 MiB each
        start = Clock.Now;
        for (ulong i = 0; i < count; i++) if (!disk.Read(i * spb, new Span<byte>(buffer, Small)).Ok) failures++;
        Report("seq-read-4k-qd1", count * Small, Clock.Now - start);

        ulong state = 0x9E3779B97F4A7C15;
        start = Clock.Now;
        for (ulong i = 0; i < count; i++) if (!disk.Read(Next(ref state) % (bytes / Small) * spb, new Span<byte>(buffer, Small)).Ok) failures++;
        Report("rand-read-4k-qd1", count * Small, Clock.Now - start);

        // 32 in flight: refill each slot as soon as it completes.
        long* tags = stackalloc long[32];
        start = Clock.Now;
        ulong issued = 0, done = 0;
        for (int s = 0; s < 32 && issued < count; s++, issued++)
            tags[s] = disk.SubmitRead(Next(ref state) % (bytes / Small) * spb, buffer + s * Small, Small);
        while (done < count)
        {
            long tag = disk.WaitAny();
            if (tag < 0) { failures++; break; }
            if (!disk.Complete(tag).Ok) failures++;
            done++;
            if (issued < count)
            {
                long next = disk.SubmitRead(Next(ref state) % (bytes / Small) * spb, buffer + (tag % 32) * Small, Small);
                if (next < 0) failures++;
                issued++;
            }
        }
        Report("rand-read-4k-qd32", count * Small, Clock.Now - start);
        Unikernel.Console.WriteLine($"blockbench-end failures={failures} requests={disk.RequestCount} notifications={disk.NotificationCount}");
        return failures == 0 ? 0 : 1;
    }

    // One 64 KiB operation: two requests in flight together.
    private static int Pair(BlockDevice disk, ulong at, byte* buffer, bool write)
    {
        const int First = BlockDevice.MaxTransferBytes;
        ulong sector = at / disk.SectorSize, second = (at + First) / disk.SectorSize;
        long a = write ? disk.SubmitWrite(sector, new ReadOnlySpan<byte>(buffer, First)) : disk.SubmitRead(sector, buffer, First);
        long b = write ? disk.SubmitWrite(second, new ReadOnlySpan<byte>(buffer + First, Op - First)) : disk.SubmitRead(second, buffer + First, Op - First);
        int failures = a < 0 || b < 0 ? 1 : 0;
        if (a >= 0 && !disk.Complete(a).Ok) failures++;
        if (b >= 0 && !disk.Complete(b).Ok) failures++;
        return failures;
    }

    private static ulong Next(ref ulong state)
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }

    private static void Report(string workload, ulong bytes, ulong nanoseconds) =>
        Unikernel.Console.WriteLine($"blockbench,{workload},{bytes},{nanoseconds}");
}
