using System;
using Unikernel;
using Unikernel.Xen;

// A disk across save, restore and a cancelled suspend (XlSaveDeviceTests): round 1 is written and read back
// at boot; meanwhile the regions written so far are read and checked over and over, a few requests in
// flight, so a suspend finds requests outstanding; each typed "round" line checks every region written
// before and writes, flushes and reads back the next one. dom0 hashes the disk file afterwards.
internal static unsafe class SuspendDiskChecks
{
    public const int RegionSectors = 256;   // 128 KiB a round
    private const int Chunk = 32 * 1024;
    private const int Depth = 4;

    private static BlockDevice s_disk;
    private static int s_inFlight;
    private static ulong s_reads, s_readErrors;
    private static byte* s_hookBuffers;
    private struct Tags { public fixed long Values[Depth]; }
    private static Tags s_hookTags;

    // The byte at disk offset x: XlSaveDeviceTests.Pattern is the same.
    private static byte Pattern(ulong x) => (byte)(x * 7 + (x >> 9) * 13 + 5);

    public static int Run()
    {
        Lifecycle.AddSuspendHook(&BeforeSuspend);
        Lifecycle.AddResumeHook(&AfterResume);
        if (!BlockDevice.TryOpen("xvda", out s_disk))
        {
            Unikernel.Console.WriteLine("disk: no xvda");
            return 1;
        }
        byte* buffers = (byte*)Pages.Allocate((ulong)(Depth * Chunk / Pages.Size));
        s_hookBuffers = (byte*)Pages.Allocate((ulong)(Depth * Chunk / Pages.Size));
        if (buffers == null || s_hookBuffers == null) return 2;
        int round = 1;
        if (!Round(round, buffers)) return 3;
        Span<byte> line = stackalloc byte[ConsoleInput.MaxLine];
        while (true)
        {
            if (!ConsoleInput.MayHaveInput)
            {
                ReadBurst(round, buffers);
                continue;
            }
            int n = ConsoleInput.ReadLine(line, out _);
            ReadOnlySpan<byte> request = line.Slice(0, n);
            if (request.SequenceEqual("quit"u8)) return 0;
            if (!request.SequenceEqual("round"u8)) continue;
            round++;
            if (!Round(round, buffers)) return 4;
        }
    }

    // Checks the regions of rounds before `round`, then writes, flushes and reads back the region of `round`.
    private static bool Round(int round, byte* buffers)
    {
        long bad = 0;
        for (int r = 1; r < round; r++) bad += CheckRegion(r, buffers);
        ulong first = (ulong)(round - 1) * RegionSectors;
        for (int offset = 0; offset < RegionSectors * 512; offset += Chunk)
        {
            ulong at = first * 512 + (ulong)offset;
            for (int i = 0; i < Chunk; i++) buffers[i] = Pattern(at + (ulong)i);
            BlockResult written = s_disk.Write(at / 512, new ReadOnlySpan<byte>(buffers, Chunk));
            if (!written.Ok) return Failed(round, written);
        }
        if (s_disk.CanFlush)
        {
            BlockResult flushed = s_disk.Flush();
            if (!flushed.Ok) return Failed(round, flushed);
        }
        bad += CheckRegion(round, buffers);
        Unikernel.Console.WriteLine($"disk: round {round} {(bad == 0 ? "ok" : "FAILED")}: {round} regions of {RegionSectors} sectors checked, {bad} bytes wrong; background reads={s_reads} errors={s_readErrors}");
        return true;
    }

    private static long CheckRegion(int round, byte* buffers)
    {
        long bad = 0;
        ulong first = (ulong)(round - 1) * RegionSectors * 512;
        for (int offset = 0; offset < RegionSectors * 512; offset += Chunk)
        {
            ulong at = first + (ulong)offset;
            BlockResult read = s_disk.Read(at / 512, new Span<byte>(buffers, Chunk));
            if (!read.Ok) { Report(read); bad += Chunk; continue; }
            for (int i = 0; i < Chunk; i++) if (buffers[i] != Pattern(at + (ulong)i)) bad++;
        }
        return bad;
    }

    // Depth reads of what is written so far, in flight together, each checked; then a pause, so the
    // requests are outstanding for part of the time only and the rest of the machine keeps up.
    private static void ReadBurst(int rounds, byte* buffers)
    {
        long* tags = stackalloc long[Depth];
        ulong* at = stackalloc ulong[Depth];
        ulong span = (ulong)rounds * RegionSectors * 512 / Chunk;
        for (int i = 0; i < Depth; i++)
        {
            at[i] = (s_reads + (ulong)i) * 7 % span * Chunk;
            tags[i] = s_disk.SubmitRead(at[i] / 512, buffers + i * Chunk, Chunk);
            if (tags[i] >= 0) s_inFlight++;
        }
        for (int i = 0; i < Depth; i++)
        {
            if (tags[i] < 0) { s_readErrors++; continue; }
            BlockResult read = s_disk.Complete(tags[i]);
            s_inFlight--;
            s_reads++;
            if (!read.Ok) { s_readErrors++; Report(read); continue; }
            byte* b = buffers + i * Chunk;
            for (int k = 0; k < Chunk; k++)
                if (b[k] != Pattern(at[i] + (ulong)k)) { s_readErrors++; Unikernel.Console.WriteLine($"disk: MISMATCH at byte {at[i] + (ulong)k}"); break; }
        }
        Clock.Sleep(20_000_000);
    }

    private static bool Failed(int round, BlockResult result)
    {
        Report(result);
        Unikernel.Console.WriteLine($"disk: round {round} FAILED");
        return false;
    }

    private static void Report(BlockResult result) => BlockChecks.Report(result, "disk: ");

    // Reads of region 1 started here are in flight when the platform quiesces the disk; the resume hook
    // completes and checks them.
    private static void BeforeSuspend()
    {
        for (int i = 0; i < Depth; i++)
        {
            s_hookTags.Values[i] = s_disk.SubmitRead((ulong)i * Chunk / 512, s_hookBuffers + i * Chunk, Chunk);
            if (s_hookTags.Values[i] >= 0) s_inFlight++;
        }
        Unikernel.Console.WriteLine($"suspend hook: {s_inFlight} disk requests in flight");
    }

    private static void AfterResume(ResumeKind kind)
    {
        int ok = 0;
        for (int i = 0; i < Depth; i++)
        {
            if (s_hookTags.Values[i] < 0) continue;
            BlockResult read = s_disk.Complete(s_hookTags.Values[i]);
            s_inFlight--;
            bool same = read.Ok;
            for (int k = 0; k < Chunk && same; k++) same = s_hookBuffers[i * Chunk + k] == Pattern((ulong)(i * Chunk + k));
            if (same) ok++;
            else Report(read);
        }
        Unikernel.Console.WriteLine($"resume hook: {(kind == ResumeKind.Restored ? "restored" : "cancelled")} domid={XenStoreService.ReadDomainId()} reads from the suspend hook: {ok} of {Depth} ok");
    }
}
