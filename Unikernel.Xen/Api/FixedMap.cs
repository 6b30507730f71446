using Unikernel.Core.Collections;

namespace Unikernel
{
    /// <summary>
    /// A map from unmanaged keys to unmanaged values for up to a fixed number of keys, a hash table (open
    /// addressing) in pages of its own (<see cref="Pages"/>): it never grows and never allocates after
    /// <see cref="TryCreate"/>; adding a key to a full map returns false. Keys are compared and hashed by their
    /// bytes (integers, chars, enums and structs of them without padding). The value is a handle, so copies of
    /// it are the same map.
    /// </summary>
    /// <example><code>
    /// if (!FixedMap&lt;int, long&gt;.TryCreate(1000, out var seen)) return 1;
    /// if (!seen.TrySet(port, Clock.Now)) Console.WriteLine("table full");
    /// if (seen.TryGetValue(port, out long when)) Console.WriteLine($"port {port} at {when}");
    /// </code></example>
    public readonly unsafe struct FixedMap<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
    {
        private readonly HashBlock<TKey, TValue> _table;

        private FixedMap(HashBlock<TKey, TValue> table) => _table = table;

        /// <summary>
        /// An empty map for up to <paramref name="capacity"/> keys (up to 2^29); false (and a default map) when
        /// the capacity is out of range or no run of pages is free.
        /// </summary>
        public static bool TryCreate(int capacity, out FixedMap<TKey, TValue> map)
        {
            void* memory = capacity < 0 || capacity > 1 << 29 ? null : FixedPages.Allocate(HashBlock<TKey, TValue>.BytesFor(capacity));
            map = memory == null ? default : new FixedMap<TKey, TValue>(new HashBlock<TKey, TValue>(memory, capacity));
            return memory != null;
        }

        /// <summary>True for a map made by <see cref="TryCreate"/> (and not a default value).</summary>
        public bool IsCreated => _table.IsCreated;

        /// <summary>The number of keys.</summary>
        public int Count => _table.Header.Count;

        /// <summary>The most keys the map holds.</summary>
        public int Capacity => _table.Header.Capacity;

        /// <summary>True when the map holds <paramref name="key"/>.</summary>
        public bool ContainsKey(TKey key) => _table.ContainsKey(key);

        /// <summary>The value of <paramref name="key"/>; false (and default) when the map does not hold it.</summary>
        public bool TryGetValue(TKey key, out TValue value) => _table.TryGetValue(key, out value);

        /// <summary>Adds <paramref name="key"/> or replaces its value; false (and no change) when the key is new and the map is full.</summary>
        public bool TrySet(TKey key, TValue value) => _table.TrySet(key, value);

        /// <summary>Removes <paramref name="key"/>; false when the map does not hold it.</summary>
        public bool Remove(TKey key) => _table.Remove(key);

        /// <summary>Removes every key.</summary>
        public void Clear() => _table.Clear();

        /// <summary>
        /// Walks the entries in no particular order: start with <paramref name="position"/> at 0 and call until
        /// false. Changing the map during a walk may skip or repeat entries.
        /// </summary>
        public bool TryGetNext(ref int position, out TKey key, out TValue value) => _table.TryGetNext(ref position, out key, out value);

        /// <summary>Gives the map's pages back; the map (and every copy of it) must not be used again.</summary>
        public void Free() => FixedPages.Free(_table.Memory, HashBlock<TKey, TValue>.BytesFor(_table.Header.Capacity));
    }
}
