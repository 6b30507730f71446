using System;
using Unikernel;

public enum StoreResult { Ok, NotFound, Full, KeyTooLong, ValueTooLong }

// A fixed-capacity table of keys and values in pages from the page allocator: Capacity slots of SlotSize
// bytes, found by linear search (a few hundred keys compare fast enough; no hash table to keep). Slot layout:
// key length (2 bytes, 0 = empty), value length (2 bytes), key, value.
public static unsafe class KeyValueStore
{
    public const int Capacity = 256;
    public const int MaxKey = 64;
    public const int MaxValue = 1024;

    private const int HeaderSize = 4;
    private const int SlotSize = HeaderSize + MaxKey + MaxValue; // 1092 bytes
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
        for (int i = 0; i < Capacity; i++) SetKeyLength(Slot(i), 0); // pages come unzeroed
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
        if (slot == null)
        {
            slot = FindEmpty();
            if (slot == null) return StoreResult.Full;
            SetKeyLength(slot, key.Length);
            key.CopyTo(new Span<byte>(slot + HeaderSize, MaxKey));
            s_count++;
        }
        else s_valueBytes -= (ulong)ValueLength(slot);
        SetValueLength(slot, value.Length);
        value.CopyTo(new Span<byte>(slot + HeaderSize + MaxKey, MaxValue));
        s_valueBytes += (ulong)value.Length;
        return StoreResult.Ok;
    }

    // The stored value; valid until the key is next set or deleted.
    public static StoreResult Get(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        byte* slot = Find(key);
        value = slot == null ? default : new ReadOnlySpan<byte>(slot + HeaderSize + MaxKey, ValueLength(slot));
        return slot == null ? StoreResult.NotFound : StoreResult.Ok;
    }

    public static StoreResult Delete(ReadOnlySpan<byte> key)
    {
        byte* slot = Find(key);
        if (slot == null) return StoreResult.NotFound;
        s_valueBytes -= (ulong)ValueLength(slot);
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
            if (length != 0 && Ascii.Equals(new ReadOnlySpan<byte>(slot + HeaderSize, length), key)) return slot;
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
    private static int ValueLength(byte* slot) => *(ushort*)(slot + 2);
    private static void SetKeyLength(byte* slot, int length) => *(ushort*)slot = (ushort)length;
    private static void SetValueLength(byte* slot, int length) => *(ushort*)(slot + 2) = (ushort)length;
}
