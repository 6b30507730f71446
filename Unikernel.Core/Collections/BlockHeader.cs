using System;

namespace Unikernel.Core.Collections
{
    // What a fixed collection keeps before its items, in the same block: 16 bytes, so items stay 16-aligned.
    // The collection structs are only a pointer to it, so copies of one share the collection.
    public unsafe struct BlockHeader
    {
        public int Count, Capacity, Head, Mask;

        public readonly bool IsFull => Count == Capacity;

        public static ulong BytesFor(int capacity, int itemSize) => (ulong)sizeof(BlockHeader) + (ulong)capacity * (ulong)itemSize;

        // Takes over the block at memory for an empty collection of up to capacity items.
        public static BlockHeader* Start(void* memory, int capacity)
        {
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "negative capacity");
            var header = (BlockHeader*)memory;
            *header = default;
            header->Capacity = capacity;
            return header;
        }
    }
}
