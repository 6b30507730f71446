using System;
using System.Threading;

namespace Unikernel.Core.Rings
{
    // One direction of a shared byte ring: a power-of-two buffer and free-running producer/consumer indices
    // that another party updates concurrently (Xen's console and xenstore rings). Data is written before
    // the producer index is published and read after it is seen. The other side is not trusted: indices
    // that claim more than the ring holds mark it corrupt instead of reading past it.
    public unsafe struct ByteRing
    {
        private readonly byte* _data;
        private readonly uint _size;
        private readonly uint* _producer;
        private readonly uint* _consumer;

        public ByteRing(byte* data, uint size, uint* producer, uint* consumer)
        {
            if (size == 0 || (size & (size - 1)) != 0) throw new ArgumentException("ring size must be a power of two");
            _data = data;
            _size = size;
            _producer = producer;
            _consumer = consumer;
        }

        public uint Size => _size;

        // Bytes waiting to be read; -1 if the indices are inconsistent.
        public long Available
        {
            get
            {
                uint used = Volatile.Read(ref *_producer) - Volatile.Read(ref *_consumer);
                return used <= _size ? used : -1;
            }
        }

        // Room for writing; -1 if the indices are inconsistent.
        public long Free
        {
            get
            {
                long used = Available;
                return used < 0 ? -1 : _size - used;
            }
        }

        public bool IsCorrupt => Available < 0;

        // Producer: copies as much as fits and publishes it. Returns the count, or -1 if corrupt.
        public int Write(ReadOnlySpan<byte> bytes)
        {
            long free = Free;
            if (free < 0) return -1;
            int n = bytes.Length < free ? bytes.Length : (int)free;
            uint producer = Volatile.Read(ref *_producer);
            for (int i = 0; i < n; i++) _data[(producer + (uint)i) & (_size - 1)] = bytes[i];
            Volatile.Write(ref *_producer, producer + (uint)n);
            return n;
        }

        // Consumer: copies up to destination.Length bytes starting offset bytes past the consumer index,
        // without consuming them. Returns the count, or -1 if corrupt.
        public int Peek(Span<byte> destination, uint offset = 0)
        {
            long available = Available;
            if (available < 0) return -1;
            if (offset >= available) return 0;
            long left = available - offset;
            int n = destination.Length < left ? destination.Length : (int)left;
            uint start = Volatile.Read(ref *_consumer) + offset;
            for (int i = 0; i < n; i++) destination[i] = _data[(start + (uint)i) & (_size - 1)];
            return n;
        }

        // Consumer: releases count bytes (at most what is available) back to the producer.
        public void Consume(uint count)
        {
            long available = Available;
            if (available < 0) return;
            if (count > available) count = (uint)available;
            Volatile.Write(ref *_consumer, Volatile.Read(ref *_consumer) + count);
        }

        public int Read(Span<byte> destination)
        {
            int n = Peek(destination);
            if (n > 0) Consume((uint)n);
            return n;
        }
    }
}
