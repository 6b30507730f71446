using System;

namespace Unikernel.Core.Collections
{
    // A map of at most Capacity keys, open addressing with linear probing over twice as many slots (so a
    // probe stays short) and backward-shift removal (no tombstones to pile up), kept in one block of memory
    // the caller provides (Unikernel.FixedMap in the guest). A pointer: copies share the map. Keys compare
    // and hash by their bytes, like the span helpers' elements.
    public readonly unsafe struct HashBlock<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
    {
        private struct Entry
        {
            public TKey Key;
            public TValue Value;
            public bool Used;
        }

        private readonly BlockHeader* _header;

        public static ulong BytesFor(int capacity) => BlockHeader.BytesFor(SlotsFor(capacity), sizeof(Entry));

        // A power of two at least twice the capacity.
        private static int SlotsFor(int capacity)
        {
            int slots = 2;
            while (slots < 2 * capacity) slots *= 2;
            return slots;
        }

        public HashBlock(void* memory, int capacity)
        {
            if (capacity > 1 << 29) throw new ArgumentOutOfRangeException(nameof(capacity), "capacity over 2^29");
            _header = BlockHeader.Start(memory, capacity);
            _header->Mask = SlotsFor(capacity) - 1;
            Clear();
        }

        public bool IsCreated => _header != null;
        public ref readonly BlockHeader Header => ref *_header; // Count, Capacity
        public void* Memory => _header;

        private Entry* Entries => (Entry*)(_header + 1);

        public void Clear()
        {
            _header->Count = 0;
            for (int i = 0; i <= _header->Mask; i++) Entries[i].Used = false;
        }

        public bool ContainsKey(TKey key) => Find(&key) >= 0;

        public bool TryGetValue(TKey key, out TValue value)
        {
            int slot = Find(&key);
            value = slot >= 0 ? Entries[slot].Value : default;
            return slot >= 0;
        }

        // Adds the key or replaces its value; false (and no change) when the key is new and the map is full.
        public bool TrySet(TKey key, TValue value)
        {
            int slot = Home(&key);
            while (Entries[slot].Used)
            {
                if (SameKey(&Entries[slot].Key, &key)) { Entries[slot].Value = value; return true; }
                slot = (slot + 1) & _header->Mask;
            }
            if (_header->Count == _header->Capacity) return false;
            Entries[slot].Key = key;
            Entries[slot].Value = value;
            Entries[slot].Used = true;
            _header->Count++;
            return true;
        }

        public bool Remove(TKey key)
        {
            int hole = Find(&key);
            if (hole < 0) return false;
            int mask = _header->Mask;
            // Entries after the hole that probed past it move back into it, so every key stays reachable
            // from its home slot without crossing an empty one.
            for (int next = (hole + 1) & mask; Entries[next].Used; next = (next + 1) & mask)
            {
                int home = Home(&Entries[next].Key);
                if (((next - home) & mask) >= ((next - hole) & mask))
                {
                    Entries[hole] = Entries[next];
                    hole = next;
                }
            }
            Entries[hole].Used = false;
            _header->Count--;
            return true;
        }

        // Walks the entries in slot order: start position at 0; false after the last. Changing the map
        // during a walk may skip or repeat entries.
        public bool TryGetNext(ref int position, out TKey key, out TValue value)
        {
            for (; position <= _header->Mask; position++)
            {
                if (!Entries[position].Used) continue;
                key = Entries[position].Key;
                value = Entries[position].Value;
                position++;
                return true;
            }
            key = default;
            value = default;
            return false;
        }

        private int Find(TKey* key)
        {
            for (int slot = Home(key); Entries[slot].Used; slot = (slot + 1) & _header->Mask)
                if (SameKey(&Entries[slot].Key, key)) return slot;
            return -1;
        }

        private static bool SameKey(TKey* a, TKey* b) =>
            new ReadOnlySpan<byte>(a, sizeof(TKey)).SequenceEqual(new ReadOnlySpan<byte>(b, sizeof(TKey)));

        // The key's bytes folded eight at a time, multiplied by 2^64/phi (Fibonacci hashing): the high bits
        // are well mixed even for small integer keys.
        private int Home(TKey* key)
        {
            byte* p = (byte*)key;
            ulong h = (ulong)sizeof(TKey);
            int i = 0;
            for (; i + 8 <= sizeof(TKey); i += 8) h = (h ^ *(ulong*)(p + i)) * 0x9E3779B97F4A7C15;
            ulong tail = 0;
            for (int shift = 0; i < sizeof(TKey); i++, shift += 8) tail |= (ulong)p[i] << shift;
            h = (h ^ tail) * 0x9E3779B97F4A7C15;
            return (int)(h >> 32) & _header->Mask;
        }
    }
}
