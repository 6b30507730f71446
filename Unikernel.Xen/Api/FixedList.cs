using System;
using Unikernel.Core.Collections;

namespace Unikernel
{
    /// <summary>
    /// A list of up to a fixed number of unmanaged items, in pages of its own (<see cref="Pages"/>): it never
    /// grows and never allocates after <see cref="TryCreate"/>; adding to a full list returns false. The value
    /// is a handle, so copies of it are the same list.
    /// </summary>
    /// <example><code>
    /// if (!FixedList&lt;int&gt;.TryCreate(100, out var list)) return 1;
    /// list.TryAdd(42);
    /// foreach (int n in list.AsSpan()) Console.WriteLine(n);
    /// </code></example>
    public readonly unsafe struct FixedList<T> where T : unmanaged
    {
        private readonly ListBlock<T> _block;

        private FixedList(ListBlock<T> block) => _block = block;

        /// <summary>
        /// An empty list for up to <paramref name="capacity"/> items; false (and a default list) when the capacity
        /// is negative or no run of pages is free.
        /// </summary>
        public static bool TryCreate(int capacity, out FixedList<T> list)
        {
            void* memory = capacity < 0 ? null : FixedPages.Allocate(ListBlock<T>.BytesFor(capacity));
            list = memory == null ? default : new FixedList<T>(new ListBlock<T>(memory, capacity));
            return memory != null;
        }

        /// <summary>True for a list made by <see cref="TryCreate"/> (and not a default value).</summary>
        public bool IsCreated => _block.IsCreated;

        /// <summary>The number of items.</summary>
        public int Count => _block.Header.Count;

        /// <summary>The most items the list holds.</summary>
        public int Capacity => _block.Header.Capacity;

        /// <summary>True when <see cref="Count"/> is <see cref="Capacity"/>.</summary>
        public bool IsFull => _block.Header.IsFull;

        /// <summary>The item at <paramref name="index"/>; an index outside 0..Count-1 is fatal.</summary>
        public ref T this[int index] => ref _block[index];

        /// <summary>The items, in order, as a span (valid until the list changes).</summary>
        public Span<T> AsSpan() => _block.AsSpan();

        /// <summary>Appends <paramref name="item"/>; false when the list is full.</summary>
        public bool TryAdd(T item) => _block.TryAdd(item);

        /// <summary>Inserts <paramref name="item"/> before <paramref name="index"/> (Count appends); false when full or the index is out of range.</summary>
        public bool TryInsert(int index, T item) => _block.TryInsert(index, item);

        /// <summary>Removes the item at <paramref name="index"/>, keeping the order of the rest; false when the index is out of range.</summary>
        public bool RemoveAt(int index) => _block.RemoveAt(index);

        /// <summary>Removes every item.</summary>
        public void Clear() => _block.Clear();

        /// <summary>Gives the list's pages back; the list (and every copy of it) must not be used again.</summary>
        public void Free() => FixedPages.Free(_block.Memory, ListBlock<T>.BytesFor(_block.Header.Capacity));
    }

    // The pages behind the fixed collections: whole contiguous pages for a block of bytes.
    internal static unsafe class FixedPages
    {
        private static ulong PagesFor(ulong bytes) => (bytes + Pages.Size - 1) / Pages.Size;

        public static void* Allocate(ulong bytes) => Pages.Allocate(PagesFor(bytes));

        public static void Free(void* memory, ulong bytes)
        {
            if (memory != null) Pages.Free(memory, PagesFor(bytes));
        }
    }
}
