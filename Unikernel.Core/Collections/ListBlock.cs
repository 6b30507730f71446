using System;

namespace Unikernel.Core.Collections
{
    // A list of at most Capacity items in one block of memory the caller provides (pages in the guest:
    // Unikernel.FixedList); it never grows and never allocates.
    public readonly unsafe struct ListBlock<T> where T : unmanaged
    {
        private readonly BlockHeader* _header;

        public static ulong BytesFor(int capacity) => BlockHeader.BytesFor(capacity, sizeof(T));

        // Takes over BytesFor(capacity) bytes at memory; the list starts empty.
        public ListBlock(void* memory, int capacity) => _header = BlockHeader.Start(memory, capacity);

        public bool IsCreated => _header != null;
        public ref readonly BlockHeader Header => ref *_header; // Count, Capacity, IsFull
        public void* Memory => _header;

        private T* Items => (T*)(_header + 1);

        // Checked against Count, as a List<T>'s indexer is.
        public ref T this[int index] => ref AsSpan()[index];

        public Span<T> AsSpan() => new Span<T>(Items, _header->Count);

        public bool TryAdd(T item)
        {
            if (_header->IsFull) return false;
            Items[_header->Count++] = item;
            return true;
        }

        // Inserts before index (Count appends); false when full or index is out of range.
        public bool TryInsert(int index, T item)
        {
            if (_header->IsFull || (uint)index > (uint)_header->Count) return false;
            new Span<T>(Items + index, _header->Count - index).CopyTo(new Span<T>(Items + index + 1, _header->Count - index));
            Items[index] = item;
            _header->Count++;
            return true;
        }

        // Removes the item at index, keeping the order of the rest; false when index is out of range.
        public bool RemoveAt(int index)
        {
            if ((uint)index >= (uint)_header->Count) return false;
            new Span<T>(Items + index + 1, _header->Count - index - 1).CopyTo(new Span<T>(Items + index, _header->Count - index - 1));
            _header->Count--;
            return true;
        }

        public void Clear() => _header->Count = 0;
    }
}
