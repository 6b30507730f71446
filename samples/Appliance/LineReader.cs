using System;
using Unikernel;
using Unikernel.Core.Text;

// Protocol lines from the console. Console.ReadLine keeps lines up to Console.MaxLine (256 bytes), but a
// "set" carries values up to 1 KiB, so lines are assembled here from raw reads into a larger buffer.
// A longer line is cut, flagged, and its rest dropped: the next line starts clean. Nothing here waits: the
// main loop waits for the console and the network together.
public static unsafe class LineReader
{
    public const int MaxLine = 1100; // "set " + 64-byte key + " " + 1024-byte value fits

    private const int ChunkSize = 128; // Xen's dom0 serial input buffer holds 128 bytes

    private struct Storage
    {
        public fixed byte Line[MaxLine];
        public fixed byte Chunk[ChunkSize];
    }

    private static Storage s_storage;
    private static LineAssembler s_assembler;
    private static int s_chunkLength, s_chunkNext;
    private static bool s_ready;

    // True when a whole line is already read and waiting.
    public static bool HasLine
    {
        get
        {
            for (int i = s_chunkNext; i < s_chunkLength; i++)
                if (s_storage.Chunk[i] == (byte)'\n' || s_storage.Chunk[i] == (byte)'\r') return true;
            return false;
        }
    }

    // The next whole line from what has arrived; false when no whole line is there yet. The span stays
    // valid until the next call.
    public static bool TryNext(out ReadOnlySpan<byte> line, out bool truncated)
    {
        if (!s_ready)
        {
            fixed (byte* buffer = s_storage.Line) s_assembler = new LineAssembler(buffer, MaxLine);
            s_ready = true;
        }
        while (true)
        {
            if (s_chunkNext == s_chunkLength)
            {
                fixed (byte* chunk = s_storage.Chunk) s_chunkLength = Console.TryRead(new Span<byte>(chunk, ChunkSize));
                s_chunkNext = 0;
                if (s_chunkLength == 0)
                {
                    line = default;
                    truncated = false;
                    return false;
                }
            }
            byte b = s_storage.Chunk[s_chunkNext++];
            if (!s_assembler.Feed(b)) continue;
            truncated = s_assembler.Truncated;
            line = s_assembler.Line;
            return true;
        }
    }
}
