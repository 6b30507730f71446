using Internal.Runtime.CompilerHelpers;

namespace System
{
    // Spans are pointer views: the guest has no moving GC, so nothing ever relocates the memory under them.
    public readonly unsafe ref struct Span<T> where T : unmanaged
    {
        private readonly T* _pointer;
        private readonly int _length;

        public Span(void* pointer, int length)
        {
            if (length < 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
            _pointer = (T*)pointer;
            _length = length;
        }

        public Span(T[]? array)
        {
            fixed (T* p = array) _pointer = p;
            _length = array == null ? 0 : array.Length;
        }

        public static Span<T> Empty => default;
        public int Length => _length;
        public bool IsEmpty => _length == 0;

        public ref T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) ThrowHelpers.ThrowIndexOutOfRangeException();
                return ref _pointer[index];
            }
        }

        public Span<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new Span<T>(_pointer + start, _length - start);
        }

        public Span<T> Slice(int start, int length)
        {
            if ((ulong)(uint)start + (uint)length > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new Span<T>(_pointer + start, length);
        }

        public ref T GetPinnableReference() => ref (_length != 0 ? ref *_pointer : ref *(T*)null);

        public void Clear() => SpanHelpers.ClearWithoutReferences((byte*)_pointer, (nuint)_length * (nuint)sizeof(T));

        public void Fill(T value)
        {
            for (int i = 0; i < _length; i++) _pointer[i] = value;
        }

        public void CopyTo(Span<T> destination)
        {
            if ((uint)_length > (uint)destination.Length) ThrowHelpers.ThrowArgumentException();
            SpanHelpers.Memmove((byte*)destination._pointer, (byte*)_pointer, (nuint)_length * (nuint)sizeof(T));
        }

        public static implicit operator ReadOnlySpan<T>(Span<T> span) => new ReadOnlySpan<T>(span._pointer, span._length);

        public Enumerator GetEnumerator() => new Enumerator(this);

        public ref struct Enumerator
        {
            private readonly Span<T> _span;
            private int _index;
            internal Enumerator(Span<T> span) { _span = span; _index = -1; }
            public bool MoveNext() => ++_index < _span.Length;
            public ref T Current => ref _span[_index];
        }
    }

    public readonly unsafe ref struct ReadOnlySpan<T> where T : unmanaged
    {
        private readonly T* _pointer;
        private readonly int _length;

        public ReadOnlySpan(void* pointer, int length)
        {
            if (length < 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
            _pointer = (T*)pointer;
            _length = length;
        }

        // Roslyn lowers a "..."u8 literal to this constructor over a constant byte array, then emits the
        // (void*, int) constructor over the literal's bytes in the image instead: no array is allocated.
        public ReadOnlySpan(T[]? array, int start, int length)
        {
            int count = array == null ? 0 : array.Length;
            if ((ulong)(uint)start + (uint)length > (uint)count) ThrowHelpers.ThrowArgumentOutOfRangeException();
            fixed (T* p = array) _pointer = p + start;
            _length = length;
        }

        public ReadOnlySpan(T[]? array) : this(array, 0, array == null ? 0 : array.Length) { }

        public static ReadOnlySpan<T> Empty => default;
        public int Length => _length;
        public bool IsEmpty => _length == 0;

        public ref readonly T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) ThrowHelpers.ThrowIndexOutOfRangeException();
                return ref _pointer[index];
            }
        }

        public ReadOnlySpan<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new ReadOnlySpan<T>(_pointer + start, _length - start);
        }

        public ReadOnlySpan<T> Slice(int start, int length)
        {
            if ((ulong)(uint)start + (uint)length > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
            return new ReadOnlySpan<T>(_pointer + start, length);
        }

        public ref readonly T GetPinnableReference() => ref (_length != 0 ? ref *_pointer : ref *(T*)null);

        public void CopyTo(Span<T> destination)
        {
            if ((uint)_length > (uint)destination.Length) ThrowHelpers.ThrowArgumentException();
            fixed (T* d = destination)
                SpanHelpers.Memmove((byte*)d, (byte*)_pointer, (nuint)_length * (nuint)sizeof(T));
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        public ref struct Enumerator
        {
            private readonly ReadOnlySpan<T> _span;
            private int _index;
            internal Enumerator(ReadOnlySpan<T> span) { _span = span; _index = -1; }
            public bool MoveNext() => ++_index < _span.Length;
            public ref readonly T Current => ref _span[_index];
        }
    }
}
