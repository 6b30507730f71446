using System;
using Unikernel;

public enum StoreResult { Ok, NotFound, Full, KeyTooLong, ValueTooLong, NoMemory, DiskFailed }

// A fixed-capacity table of keys and values in pages from the page allocator: Capacity slots of SlotSize
// bytes, found by linear search (a few hundred keys compare fast enough; no hash table to keep). Slot layout:
// key length (2 bytes, 0 = empty), 0 (2 bytes), value length (4 bytes), key, then the value itself when it
// is at most InlineValue bytes, else the address of the pages that hold it (taken when set, given back
// when replaced or deleted).
public static unsafe class KeyValueStore
{
    public const int Capacity = 256;
    public const int MaxKey = 64;
    public const int InlineValue = 1024;
    public const int MaxValue = 512 * 1024;

    private const int HeaderSize = 8;
    private const int SlotSize = HeaderSize + MaxKey + InlineValue; // 1096 bytes
    public const ulong PageCount = ((ulong)Capacity * SlotSize + Pages.Size - 1) / Pages.Size;

    private static byte* s_slots;
    private static int s_count;
    private static ulong s_valueBytes;

    public static int Count => s_count;
    public static ulong ValueBytes => s_valueBytes;

    // False when the page allocator has no run of PageCount pages.
    public static bool Initialize()
    {
        s_slots = (byte*)Pages.Allocate(PageCount);
        if (s_slots == null) return false;
        for (int i = 0; i < Capacity; i++) { SetKeyLength(Slot(i), 0); SetValueLength(Slot(i), 0); } // pages come unzeroed
        return true;
    }

    // What Set would answer, without changing anything (the disk log records only changes that will apply).
    public static StoreResult CheckSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length > MaxKey) return StoreResult.KeyTooLong;
        if (value.Length > MaxValue) return StoreResult.ValueTooLong;
        if (Find(key) == null && FindEmpty() == null) return StoreResult.Full;
        return StoreResult.Ok;
    }

    public static bool Contains(ReadOnlySpan<byte> key) => Find(key) != null;

    public static StoreResult Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length > MaxKey) return StoreResult.KeyTooLong;
        if (value.Length > MaxValue) return StoreResult.ValueTooLong;
        byte* slot = Find(key);
        if (slot == null && FindEmpty() == null) return StoreResult.Full;
        // The new value's pages first: when there are none, the old value stays as it was.
        byte* pages = null;
        if (value.Length > InlineValue)
        {
            pages = (byte*)Pages.Allocate(PagesFor(value.Length));
            if (pages == null) return StoreResult.NoMemory;
            value.CopyTo(new Span<byte>(pages, value.Length));
        }
        if (slot == null)
        {
            slot = FindEmpty();
            SetKeyLength(slot, key.Length);
            key.CopyTo(new Span<byte>(slot + HeaderSize, MaxKey));
            s_count++;
        }
        else ReleaseValue(slot);
        SetValueLength(slot, value.Length);
        if (pages != null) *(byte**)(slot + HeaderSize + MaxKey) = pages;
        else value.CopyTo(new Span<byte>(slot + HeaderSize + MaxKey, InlineValue));
        s_valueBytes += (ulong)value.Length;
        return StoreResult.Ok;
    }

    private static ulong PagesFor(int length) => ((ulong)length + Pages.Size - 1) / Pages.Size;

    private static byte* ValueAt(byte* slot) => ValueLength(slot) > InlineValue ? *(byte**)(slot + HeaderSize + MaxKey) : slot + HeaderSize + MaxKey;

    private static void ReleaseValue(byte* slot)
    {
        int length = ValueLength(slot);
        if (length > InlineValue) Pages.Free(*(byte**)(slot + HeaderSize + MaxKey), PagesFor(length));
        s_valueBytes -= (ulong)length;
        SetValueLength(slot, 0);
    }

    // The stored value; valid until the key is next set or deleted.
    public static StoreResult Get(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        byte* slot = Find(key);
        value = slot == null ? default : new ReadOnlySpan<byte>(ValueAt(slot), ValueLength(slot));
        return slot == null ? StoreResult.NotFound : StoreResult.Ok;
    }

    public static StoreResult Delete(ReadOnlySpan<byte> key)
    {
        byte* slot = Find(key);
        if (slot == null) return StoreResult.NotFound;
        ReleaseValue(slot);
        SetKeyLength(slot, 0);
        s_count--;
        return StoreResult.Ok;
    }

    // The index-th key in slot order among the used slots, for listing; false past the last.
    public static bool KeyAt(int index, out ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < Capacity; i++)
        {
            byte* slot = Slot(i);
            if (KeyLength(slot) == 0) continue;
            if (index-- > 0) continue;
            key = new ReadOnlySpan<byte>(slot + HeaderSize, KeyLength(slot));
            return true;
        }
        key = default;
        return false;
    }

    private static byte* Find(ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < Capacity; i++)
        {
            byte* slot = Slot(i);
            int length = KeyLength(slot);
            if (length != 0 && new ReadOnlySpan<byte>(slot + HeaderSize, length).SequenceEqual(key)) return slot;
        }
        return null;
    }

    private static byte* FindEmpty()
    {
        for (int i = 0; i < Capacity; i++) if (KeyLength(Slot(i)) == 0) return Slot(i);
        return null;
    }

    private static byte* Slot(int index) => s_slots + index * SlotSize;
    private static int KeyLength(byte* slot) => *(ushort*)slot;
    private static int ValueLength(byte* slot) => *(int*)(slot + 4);
    private static void SetKeyLength(byte* slot, int length) => *(ushort*)slot = (ushort)length;
    private static void SetValueLength(byte* slot, int length) => *(int*)(slot + 4) = length;
}
