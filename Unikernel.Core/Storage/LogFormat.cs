using System;

namespace Unikernel.Core.Storage
{
    public enum LogRecordKind : byte { Set = 1, Delete = 2 }

    public enum LogRecordStatus
    {
        Valid,
        Empty,          // no record starts here (no magic): the clean end of the log
        Corrupt,        // magic but a bad checksum or impossible lengths: a torn or damaged write
        OtherGeneration, // a record left from an earlier use of this region
        OutOfSequence,  // not the sequence number that must come next
        Truncated,      // fewer bytes given than the record's header says it has
    }

    // A record as decoded; its key and value point into the bytes it was decoded from.
    public readonly ref struct LogRecord
    {
        public readonly LogRecordKind Kind;
        public readonly ulong Sequence;
        public readonly ReadOnlySpan<byte> Key;
        public readonly ReadOnlySpan<byte> Value;
        public readonly int Sectors;

        public LogRecord(LogRecordKind kind, ulong sequence, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int sectors)
        {
            Kind = kind;
            Sequence = sequence;
            Key = key;
            Value = value;
            Sectors = sectors;
        }
    }

    // The on-disk format of a log-structured key-value store (samples/Appliance, README "Durable storage").
    // The disk is two regions of equal size; a region starts with a header sector and holds records, each in
    // whole 512-byte sectors, appended in sequence and never rewritten. Every field is little-endian.
    //   region header: magic "UKVH" (u32), crc32 of bytes 8-31 (u32), generation (u32), 0 (u32),
    //                  first sequence number (u64), 0 (u64)
    //   record:        magic "UKV1" (u32), crc32 of bytes 8 .. 32+key+value (u32), generation (u32),
    //                  kind (u8: 1 set, 2 delete), 0 (u8), key length (u16), sequence (u64),
    //                  value length (u16), 0 (u16), 0 (u32), key, value, zero padding to the sector's end
    // The active region is the one whose header is valid with the higher generation; its records count from
    // the header's sequence number, each one more than the last, all with the region's generation. Reading
    // stops at the first record that is not so: a torn write fails its checksum, a record left from the
    // region's earlier use has another generation (or sequence), so neither is ever taken for data.
    public static class LogFormat
    {
        public const int SectorBytes = 512;
        public const int HeaderBytes = 32;
        public const uint RecordMagic = 0x31564B55; // "UKV1"
        public const uint RegionMagic = 0x48564B55; // "UKVH"
        public const int MaxKey = 0xFFFF, MaxValue = 0xFFFF;

        public static int RecordSectors(int keyLength, int valueLength) => (HeaderBytes + keyLength + valueLength + SectorBytes - 1) / SectorBytes;

        // Writes the record and its padding; returns the bytes used (whole sectors), or 0 when it does not fit.
        public static int EncodeRecord(Span<byte> destination, uint generation, ulong sequence, LogRecordKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (key.Length > MaxKey || value.Length > MaxValue) return 0;
            int bytes = RecordSectors(key.Length, value.Length) * SectorBytes;
            if (destination.Length < bytes) return 0;
            Span<byte> record = destination.Slice(0, bytes);
            record.Clear();
            Write32(record, 0, RecordMagic);
            Write32(record, 8, generation);
            record[12] = (byte)kind;
            Write16(record, 14, (ushort)key.Length);
            Write64(record, 16, sequence);
            Write16(record, 24, (ushort)value.Length);
            key.CopyTo(record.Slice(HeaderBytes));
            value.CopyTo(record.Slice(HeaderBytes + key.Length));
            Write32(record, 4, Crc32(record.Slice(8, HeaderBytes - 8 + key.Length + value.Length)));
            return bytes;
        }

        // The whole record's length in bytes (sectors) as its header claims, or 0 when no plausible record
        // starts here; needs the first HeaderBytes.
        public static int ClaimedBytes(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length < HeaderBytes || Read32(bytes, 0) != RecordMagic) return 0;
            return RecordSectors(Read16(bytes, 14), Read16(bytes, 24)) * SectorBytes;
        }

        public static LogRecordStatus DecodeRecord(ReadOnlySpan<byte> bytes, uint generation, ulong expectedSequence, out LogRecord record)
        {
            record = default;
            if (bytes.Length < HeaderBytes) return LogRecordStatus.Truncated;
            if (Read32(bytes, 0) != RecordMagic) return LogRecordStatus.Empty;
            int keyLength = Read16(bytes, 14), valueLength = Read16(bytes, 24);
            byte kind = bytes[12];
            int sectors = RecordSectors(keyLength, valueLength);
            if (bytes.Length < HeaderBytes + keyLength + valueLength) return LogRecordStatus.Truncated;
            if (Read32(bytes, 4) != Crc32(bytes.Slice(8, HeaderBytes - 8 + keyLength + valueLength))) return LogRecordStatus.Corrupt;
            if (kind != (byte)LogRecordKind.Set && kind != (byte)LogRecordKind.Delete) return LogRecordStatus.Corrupt;
            if (Read32(bytes, 8) != generation) return LogRecordStatus.OtherGeneration;
            ulong sequence = Read64(bytes, 16);
            if (sequence != expectedSequence) return LogRecordStatus.OutOfSequence;
            record = new LogRecord((LogRecordKind)kind, sequence, bytes.Slice(HeaderBytes, keyLength), bytes.Slice(HeaderBytes + keyLength, valueLength), sectors);
            return LogRecordStatus.Valid;
        }

        public static void EncodeRegionHeader(Span<byte> sector, uint generation, ulong firstSequence)
        {
            sector.Slice(0, SectorBytes).Clear();
            Write32(sector, 0, RegionMagic);
            Write32(sector, 8, generation);
            Write64(sector, 16, firstSequence);
            Write32(sector, 4, Crc32(sector.Slice(8, HeaderBytes - 8)));
        }

        public static bool DecodeRegionHeader(ReadOnlySpan<byte> sector, out uint generation, out ulong firstSequence)
        {
            generation = 0;
            firstSequence = 0;
            if (sector.Length < HeaderBytes || Read32(sector, 0) != RegionMagic) return false;
            if (Read32(sector, 4) != Crc32(sector.Slice(8, HeaderBytes - 8))) return false;
            generation = Read32(sector, 8);
            firstSequence = Read64(sector, 16);
            return true;
        }

        // CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: no table to keep.
        public static uint Crc32(ReadOnlySpan<byte> bytes)
        {
            uint crc = 0xFFFFFFFF;
            for (int i = 0; i < bytes.Length; i++)
            {
                crc ^= bytes[i];
                for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320 & (0u - (crc & 1)));
            }
            return ~crc;
        }

        private static void Write16(Span<byte> b, int at, ushort v) { b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); }
        private static void Write32(Span<byte> b, int at, uint v) { for (int i = 0; i < 4; i++) b[at + i] = (byte)(v >> (8 * i)); }
        private static void Write64(Span<byte> b, int at, ulong v) { for (int i = 0; i < 8; i++) b[at + i] = (byte)(v >> (8 * i)); }
        private static ushort Read16(ReadOnlySpan<byte> b, int at) => (ushort)(b[at] | b[at + 1] << 8);
        private static uint Read32(ReadOnlySpan<byte> b, int at) { uint v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | b[at + i]; return v; }
        private static ulong Read64(ReadOnlySpan<byte> b, int at) { ulong v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | b[at + i]; return v; }
    }
}
