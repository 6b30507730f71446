using Unikernel.Core.Collections;

namespace Unikernel
{
    /// <summary>
    /// A first-in first-out queue of up to a fixed number of unmanaged items, a ring in pages of its own
    /// (<see cref="Pages"/>): it never grows and never allocates after <see cref="TryCreate"/>; enqueueing to
    /// a full queue returns false. The value is a handle, so copies of it are the same queue.
    /// </summary>
    /// <example><code>
    /// if (!FixedQueue&lt;long&gt;.TryCreate(64, out var pending)) return 1;
    /// if (!pending.TryEnqueue(Clock.Now)) Console.WriteLine("busy");
    /// while (pending.TryDequeue(out long t)) Console.WriteLine(t);
    /// </code></example>
    public readonly unsafe struct FixedQueue<T> where T : unmanaged
    {
        private readonly RingBlock<T> _ring;

        private FixedQueue(RingBlock<T> ring) => _ring = ring;

        /// <summary>
        /// An empty queue for up to <paramref name="capacity"/> items; false (and a default queue) when the
        /// capacity is negative or no run of pages is free.
        /// </summary>
        public static bool TryCreate(int capacity, out FixedQueue<T> queue)
        {
            void* memory = capacity < 0 ? null : FixedPages.Allocate(RingBlock<T>.BytesFor(capacity));
            queue = memory == null ? default : new FixedQueue<T>(new RingBlock<T>(memory, capacity));
            return memory != null;
        }

        /// <summary>True for a queue made by <see cref="TryCreate"/> (and not a default value).</summary>
        public bool IsCreated => _ring.IsCreated;

        /// <summary>The number of items waiting.</summary>
        public int Count => _ring.Header.Count;

        /// <summary>The most items the queue holds.</summary>
        public int Capacity => _ring.Header.Capacity;

        /// <summary>True when <see cref="Count"/> is <see cref="Capacity"/>.</summary>
        public bool IsFull => _ring.Header.IsFull;

        /// <summary>Adds <paramref name="item"/> at the end; false when the queue is full.</summary>
        public bool TryEnqueue(T item) => _ring.TryEnqueue(item);

        /// <summary>Takes the oldest item; false (and default) when the queue is empty.</summary>
        public bool TryDequeue(out T item) => _ring.TryDequeue(out item);

        /// <summary>The oldest item without taking it; false (and default) when the queue is empty.</summary>
        public bool TryPeek(out T item) => _ring.TryPeek(out item);

        /// <summary>Removes every item.</summary>
        public void Clear() => _ring.Clear();

        /// <summary>Gives the queue's pages back; the queue (and every copy of it) must not be used again.</summary>
        public void Free() => FixedPages.Free(_ring.Memory, RingBlock<T>.BytesFor(_ring.Header.Capacity));
    }
}
