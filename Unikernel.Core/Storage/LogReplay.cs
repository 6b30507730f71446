using System;

namespace Unikernel.Core.Storage
{
    // What reading a region found: how far its log goes and why it ends there.
    public struct LogReplayResult
    {
        public uint Generation;
        public ulong FirstSequence, NextSequence;
        public int Records;
        public int EndBytes;            // header and valid records: where the next record goes
        public LogRecordStatus StoppedAt; // Empty at a clean end; Corrupt for a torn or damaged record, ...
    }

    // Reading the log format of LogFormat: which region is active, and its records in order.
    public static unsafe class LogReplay
    {
        // 0 or 1: the region whose header is valid with the higher generation; -1 when neither is valid (a
        // new disk, or not ours).
        public static int ChooseActive(ReadOnlySpan<byte> header0, ReadOnlySpan<byte> header1)
        {
            bool valid0 = LogFormat.DecodeRegionHeader(header0, out uint g0, out _);
            bool valid1 = LogFormat.DecodeRegionHeader(header1, out uint g1, out _);
            if (valid0 && valid1) return g1 > g0 ? 1 : 0;
            return valid0 ? 0 : valid1 ? 1 : -1;
        }

        // Hands each valid record of the region (header sector first) to apply(kind, key, value, context), in
        // order, and stops at the first that is not valid. False when the region has no valid header.
        public static bool Replay(ReadOnlySpan<byte> region, delegate*<LogRecordKind, ReadOnlySpan<byte>, ReadOnlySpan<byte>, ulong, void> apply,
            ulong context, out LogReplayResult result)
        {
            result = default;
            if (!LogFormat.DecodeRegionHeader(region, out uint generation, out ulong first)) return false;
            result.Generation = generation;
            result.FirstSequence = first;
            result.NextSequence = first;
            int at = LogFormat.SectorBytes;
            while (true)
            {
                if (at >= region.Length) { result.StoppedAt = LogRecordStatus.Empty; break; }
                LogRecordStatus status = LogFormat.DecodeRecord(region.Slice(at), generation, result.NextSequence, out LogRecord record);
                if (status != LogRecordStatus.Valid) { result.StoppedAt = status; break; }
                if (at + record.Sectors * LogFormat.SectorBytes > region.Length) { result.StoppedAt = LogRecordStatus.Truncated; break; }
                if (apply != null) apply(record.Kind, record.Key, record.Value, context);
                result.Records++;
                result.NextSequence++;
                at += record.Sectors * LogFormat.SectorBytes;
            }
            result.EndBytes = at;
            return true;
        }

        public static ReadOnlySpan<char> Describe(LogRecordStatus status) => status switch
        {
            LogRecordStatus.Empty => "clean end",
            LogRecordStatus.Corrupt => "torn or corrupt record dropped",
            LogRecordStatus.OtherGeneration => "clean end (older records follow)",
            LogRecordStatus.OutOfSequence => "record out of sequence dropped",
            LogRecordStatus.Truncated => "end of region",
            _ => "valid",
        };
    }
}
