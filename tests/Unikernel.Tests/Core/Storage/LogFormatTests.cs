using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using Unikernel.Core.Storage;

namespace Unikernel.Tests.Core.Storage;

// The appliance's on-disk log (LogFormat, LogReplay): records round-trip; a torn write (the record's bytes
// cut at any point, the rest old data) or any single flipped bit is never taken for data; replay after a
// crash at any byte of the last write gives exactly the state of the records that were complete.
public sealed unsafe class LogFormatTests
{
    private static readonly Gen<byte[]> Keys = Gen.Byte[33, 126].Array[1, 64];
    private static readonly Gen<byte[]> Values = Gen.Byte.Array[0, 1024];

    [Fact]
    public void Crc32_is_the_ieee_one() => Assert.Equal(0xCBF43926u, LogFormat.Crc32("123456789"u8));

    [Fact]
    public void A_record_round_trips()
    {
        Property.Check(Gen.Select(Keys, Values, Gen.UInt, Gen.ULong, Gen.Bool), input =>
        {
            var (key, value, generation, sequence, delete) = input;
            var buffer = new byte[4096];
            var kind = delete ? LogRecordKind.Delete : LogRecordKind.Set;
            int bytes = LogFormat.EncodeRecord(buffer, generation, sequence, kind, key, value);
            Assert.Equal(LogFormat.RecordSectors(key.Length, value.Length) * 512, bytes);
            Assert.Equal(bytes, LogFormat.ClaimedBytes(buffer));
            Assert.Equal(LogRecordStatus.Valid, LogFormat.DecodeRecord(buffer, generation, sequence, out LogRecord record));
            Assert.Equal(kind, record.Kind);
            Assert.Equal(sequence, record.Sequence);
            Assert.True(record.Key.SequenceEqual(key) && record.Value.SequenceEqual(value));
            Assert.Equal(LogRecordStatus.OtherGeneration, LogFormat.DecodeRecord(buffer, generation + 1, sequence, out _));
            Assert.Equal(LogRecordStatus.OutOfSequence, LogFormat.DecodeRecord(buffer, generation, sequence + 1, out _));
        });
    }

    // A write cut anywhere before the record's last byte of content, with whatever was there before behind
    // the cut: never Valid (the checksum covers everything but the magic and itself).
    [Fact]
    public void A_torn_record_is_never_valid()
    {
        Property.Check(Gen.Select(Keys, Values, Gen.Int[0, 1 << 20], Gen.Byte.Array[1536]), input =>
        {
            var (key, value, cutSeed, old) = input;
            var fresh = new byte[1536];
            LogFormat.EncodeRecord(fresh, 7, 42, LogRecordKind.Set, key, value);
            int content = LogFormat.HeaderBytes + key.Length + value.Length;
            int cut = cutSeed % content; // bytes of the new record that reached the disk
            var disk = (byte[])old.Clone();
            Array.Copy(fresh, disk, cut);
            bool same = disk.AsSpan(0, content).SequenceEqual(fresh.AsSpan(0, content));
            if (!same) Assert.NotEqual(LogRecordStatus.Valid, LogFormat.DecodeRecord(disk, 7, 42, out _));
        });
    }

    [Fact]
    public void Any_single_flipped_bit_is_detected()
    {
        Property.Check(Gen.Select(Keys, Values, Gen.Int[0, 1 << 20], Gen.Int[0, 7]), input =>
        {
            var (key, value, at, bit) = input;
            var buffer = new byte[1536];
            LogFormat.EncodeRecord(buffer, 7, 42, LogRecordKind.Set, key, value);
            int content = LogFormat.HeaderBytes + key.Length + value.Length;
            buffer[at % content] ^= (byte)(1 << bit);
            Assert.NotEqual(LogRecordStatus.Valid, LogFormat.DecodeRecord(buffer, 7, 42, out _));
        });
    }

    [Fact]
    public void Random_bytes_give_a_status_never_an_exception()
    {
        Property.Check(Gen.Byte.Array[0, 1200], bytes =>
        {
            var status = LogFormat.DecodeRecord(bytes, 0, 0, out _);
            Assert.True(Enum.IsDefined(status));
            LogFormat.DecodeRegionHeader(bytes, out _, out _);
            LogFormat.ClaimedBytes(bytes);
        });
    }

    [Fact]
    public void The_active_region_is_the_valid_header_with_the_higher_generation()
    {
        var a = new byte[512];
        var b = new byte[512];
        Assert.Equal(-1, LogReplay.ChooseActive(a, b));
        LogFormat.EncodeRegionHeader(a, 3, 100);
        Assert.Equal(0, LogReplay.ChooseActive(a, b));
        LogFormat.EncodeRegionHeader(b, 4, 200);
        Assert.Equal(1, LogReplay.ChooseActive(a, b));
        b[20] ^= 1; // a damaged header counts as none
        Assert.Equal(0, LogReplay.ChooseActive(a, b));
    }

    // State after replay, as a dictionary, collected through the callback.
    [ThreadStatic] private static Dictionary<string, string>? s_state; // CsCheck runs samples on several threads

    private static void Apply(LogRecordKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong context)
    {
        string k = Encoding.Latin1.GetString(key);
        if (kind == LogRecordKind.Set) s_state![k] = Encoding.Latin1.GetString(value);
        else s_state!.Remove(k);
    }

    // A region written record by record over old data from an earlier generation, the last write torn at a
    // random byte: replay gives the model's state after the complete records, never more, never less.
    [Fact]
    public void Replay_after_a_crash_in_the_last_write_keeps_exactly_the_complete_records()
    {
        var op = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 9], Gen.Byte[33, 126].Array[0, 600]);
        Property.Check(Gen.Select(op.Array[1, 30], Gen.Int[0, 1 << 20], Gen.Byte.Array[64 * 1024]), input =>
        {
            var (ops, cutSeed, garbage) = input;
            var region = new byte[64 * 1024];
            // An earlier generation's records are what lies behind the log's end.
            garbage.CopyTo(region, 0);
            int at = 512;
            for (ulong s = 0; at < region.Length - 2048; s++) at += LogFormat.EncodeRecord(region.AsSpan(at), 1, 500 + s, LogRecordKind.Set, "old"u8, "stale"u8);
            LogFormat.EncodeRegionHeader(region, 2, 10);

            var model = new Dictionary<string, string>();
            var states = new List<Dictionary<string, string>> { new(model) };
            at = 512;
            int lastStart = 0, lastLength = 0, lastContent = 0;
            ulong sequence = 10;
            byte[] before = region;
            foreach (var (kind, keyIndex, value) in ops)
            {
                string key = "k" + keyIndex;
                var record = new byte[2048];
                int bytes = kind == 0
                    ? LogFormat.EncodeRecord(record, 2, sequence, LogRecordKind.Delete, Encoding.Latin1.GetBytes(key), default)
                    : LogFormat.EncodeRecord(record, 2, sequence, LogRecordKind.Set, Encoding.Latin1.GetBytes(key), value);
                if (at + bytes > region.Length) break;
                before = (byte[])region.Clone();
                Array.Copy(record, 0, region, at, bytes);
                lastStart = at;
                lastLength = bytes;
                lastContent = LogFormat.HeaderBytes + key.Length + (kind == 0 ? 0 : value.Length);
                at += bytes;
                sequence++;
                if (kind == 0) model.Remove(key); else model[key] = Encoding.Latin1.GetString(value);
                states.Add(new(model));
            }
            // The crash: only the first `cut` bytes of the last write reached the disk.
            int cut = cutSeed % (lastLength + 1);
            var crashed = (byte[])before.Clone();
            Array.Copy(region, lastStart, crashed, lastStart, cut);

            s_state = new Dictionary<string, string>();
            Assert.True(LogReplay.Replay(crashed, &Apply, 0, out var result));
            // Complete once its content is there (the padding is not checked, nor needed).
            bool lastComplete = crashed.AsSpan(lastStart, lastContent).SequenceEqual(region.AsSpan(lastStart, lastContent));
            var expected = lastComplete ? states[^1] : states[^2];
            Assert.True(expected.Count == s_state.Count && expected.All(p => s_state.TryGetValue(p.Key, out var v) && v == p.Value),
                $"cut={cut} of {lastLength} (content {lastContent}) at {lastStart}; complete={lastComplete}; records={result.Records} stopped={result.StoppedAt}");
            Assert.Equal(states.Count - (lastComplete ? 1 : 2), result.Records);
        });
    }
}
