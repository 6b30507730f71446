using System;

namespace Unikernel.Core.Collections
{
    // A first-in first-out queue of at most Capacity items in a ring, in one block of memory the caller
    // provides (Unikernel.FixedQueue in the guest).
    public readonly unsafe struct RingBlock<T> where T : unmanaged
    {
        private readonly BlockHeader* _header;

        public static ulong BytesFor(int capacity) => BlockHeader.BytesFor(capacity, sizeof(T));

        public RingBlock(void* memory, int capacity) => _header = BlockHeader.Start(memory, capacity);

        public bool IsCreated => _header != null;
        public ref readonly BlockHeader Header => ref *_header; // Count, Capacity, IsFull
        public void* Memory => _header;

        private T* Items => (T*)(_header + 1);

        // The slot offset places after the head, wrapping at Capacity.
        private int Slot(int offset)
        {
            int slot = _header->Head + offset;
            return slot >= _header->Capacity ? slot - _header->Capacity : slot;
        }

        public bool TryEnqueue(T item)
        {
            if (_header->IsFull) return false;
            Items[Slot(_header->Count)] = item;
            _header->Count++;
            return true;
        }

        public bool TryDequeue(out T item)
        {
            if (!TryPeek(out item)) return false;
            _header->Head = Slot(1);
            _header->Count--;
            return true;
        }

        public bool TryPeek(out T item)
        {
            item = default;
            if (_header->Count == 0) return false;
            item = Items[_header->Head];
            return true;
        }

        public void Clear()
        {
            _header->Head = 0;
            _header->Count = 0;
        }
    }
}
