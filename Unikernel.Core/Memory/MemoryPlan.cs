using System;

namespace Unikernel.Core.Memory
{
    // The operations the Xen layer must carry out, written into caller storage in order.
    public ref struct MemoryPlan
    {
        private readonly Span<MemoryOperation> _storage;
        private int _count;
        private bool _overflowed;

        public MemoryPlan(Span<MemoryOperation> storage)
        {
            _storage = storage;
            _count = 0;
            _overflowed = false;
        }

        public int Count => _count;

        // Set once an operation did not fit; the plan is then incomplete and must not be executed.
        public bool Overflowed => _overflowed;

        public ReadOnlySpan<MemoryOperation> Operations => _storage.Slice(0, _count);

        public void Identity(ulong start, ulong count)
        {
            if (count == 0) return;
            // Adjacent identity ranges become one operation.
            if (_count > 0)
            {
                ref MemoryOperation last = ref _storage[_count - 1];
                if (last.Kind == MemoryOperationKind.Identity && last.SourceEnd == start)
                {
                    last.Count += count;
                    return;
                }
            }
            Append(new MemoryOperation { Kind = MemoryOperationKind.Identity, Source = start, Count = count });
        }

        public void Remap(ulong source, ulong destination, ulong count)
        {
            if (count == 0) return;
            Append(new MemoryOperation { Kind = MemoryOperationKind.Remap, Source = source, Destination = destination, Count = count });
        }

        public void Release(ulong start, ulong count)
        {
            if (count == 0) return;
            Append(new MemoryOperation { Kind = MemoryOperationKind.Release, Source = start, Count = count });
        }

        private void Append(MemoryOperation operation)
        {
            if (_count == _storage.Length)
            {
                _overflowed = true;
                return;
            }
            _storage[_count++] = operation;
        }
    }
}
