using System;
using Unikernel.Core.Storage;

// Changes as both protocols make them (console and Redis): checked, then on the disk and flushed when
// there is one, and only then applied, so an acknowledged change is never lost and a refused one leaves
// nothing behind. Values over MaxDiskValue are refused while the store is on a disk (the log's records are
// at most three sectors); in memory they may be up to KeyValueStore.MaxValue.
public static class DurableStore
{
    public const int MaxDiskValue = KeyValueStore.InlineValue;

    public static StoreResult Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        StoreResult result = KeyValueStore.CheckSet(key, value);
        if (result != StoreResult.Ok) return result;
        if (DiskLog.IsOpen)
        {
            if (value.Length > MaxDiskValue) return StoreResult.ValueTooLong;
            if (!DiskLog.Append(LogRecordKind.Set, key, value)) return StoreResult.DiskFailed;
        }
        return KeyValueStore.Set(key, value);
    }

    public static StoreResult Delete(ReadOnlySpan<byte> key)
    {
        if (!KeyValueStore.Contains(key)) return StoreResult.NotFound;
        if (DiskLog.IsOpen && !DiskLog.Append(LogRecordKind.Delete, key, default)) return StoreResult.DiskFailed;
        return KeyValueStore.Delete(key);
    }

    public static int MaxValue => DiskLog.IsOpen ? MaxDiskValue : KeyValueStore.MaxValue;
}
