namespace System
{
    // The BCL's span searches under the BCL's names, so ordinary code (and Unikernel.Core, built for the host
    // too) compiles unchanged. Elements compare by their bytes: the corlib has no IEquatable<T> and the guest
    // no boxing. For integers, char and bool that is the BCL's equality; for a struct with padding it is not.
    public static unsafe class MemoryExtensions
    {
        // The compiler converts string to ReadOnlySpan<char> through this, so it must not convert implicitly itself.
        public static ReadOnlySpan<char> AsSpan(this string? text)
        {
            if (text == null) return default;
            fixed (char* p = &text.GetPinnableReference()) return new ReadOnlySpan<char>(p, text.Length);
        }

        public static ReadOnlySpan<char> AsSpan(this string? text, int start) => AsSpan(text).Slice(start);
        public static ReadOnlySpan<char> AsSpan(this string? text, int start, int length) => AsSpan(text).Slice(start, length);

        public static bool SequenceEqual<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> other) where T : unmanaged
        {
            if (span.Length != other.Length) return false;
            fixed (T* a = span) fixed (T* b = other) return BytesEqual((byte*)a, (byte*)b, (nuint)span.Length * (nuint)sizeof(T));
        }

        public static bool SequenceEqual<T>(this Span<T> span, ReadOnlySpan<T> other) where T : unmanaged => SequenceEqual((ReadOnlySpan<T>)span, other);

        public static int IndexOf<T>(this ReadOnlySpan<T> span, T value) where T : unmanaged
        {
            fixed (T* p = span)
                for (int i = 0; i < span.Length; i++)
                    if (Same(p + i, &value)) return i;
            return -1;
        }

        public static int IndexOf<T>(this Span<T> span, T value) where T : unmanaged => IndexOf((ReadOnlySpan<T>)span, value);

        // The first place value occurs as a whole; 0 for an empty value, as in the BCL.
        public static int IndexOf<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> value) where T : unmanaged
        {
            for (int i = 0; i + value.Length <= span.Length; i++)
                if (span.Slice(i, value.Length).SequenceEqual(value)) return i;
            return -1;
        }

        public static int IndexOf<T>(this Span<T> span, ReadOnlySpan<T> value) where T : unmanaged => IndexOf((ReadOnlySpan<T>)span, value);

        public static int LastIndexOf<T>(this ReadOnlySpan<T> span, T value) where T : unmanaged
        {
            fixed (T* p = span)
                for (int i = span.Length - 1; i >= 0; i--)
                    if (Same(p + i, &value)) return i;
            return -1;
        }

        public static int LastIndexOf<T>(this Span<T> span, T value) where T : unmanaged => LastIndexOf((ReadOnlySpan<T>)span, value);

        // The first element that is any of values.
        public static int IndexOfAny<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> values) where T : unmanaged
        {
            for (int i = 0; i < span.Length; i++)
                if (values.IndexOf(span[i]) >= 0) return i;
            return -1;
        }

        public static int IndexOfAny<T>(this Span<T> span, ReadOnlySpan<T> values) where T : unmanaged => IndexOfAny((ReadOnlySpan<T>)span, values);

        public static bool Contains<T>(this ReadOnlySpan<T> span, T value) where T : unmanaged => IndexOf(span, value) >= 0;
        public static bool Contains<T>(this Span<T> span, T value) where T : unmanaged => IndexOf((ReadOnlySpan<T>)span, value) >= 0;

        public static bool StartsWith<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> value) where T : unmanaged =>
            value.Length <= span.Length && span.Slice(0, value.Length).SequenceEqual(value);

        public static bool StartsWith<T>(this Span<T> span, ReadOnlySpan<T> value) where T : unmanaged => StartsWith((ReadOnlySpan<T>)span, value);

        public static bool EndsWith<T>(this ReadOnlySpan<T> span, ReadOnlySpan<T> value) where T : unmanaged =>
            value.Length <= span.Length && span.Slice(span.Length - value.Length).SequenceEqual(value);

        public static bool EndsWith<T>(this Span<T> span, ReadOnlySpan<T> value) where T : unmanaged => EndsWith((ReadOnlySpan<T>)span, value);

        // Whitespace as char.IsWhiteSpace sees it.
        public static ReadOnlySpan<char> Trim(this ReadOnlySpan<char> span) => TrimEnd(TrimStart(span));

        public static ReadOnlySpan<char> TrimStart(this ReadOnlySpan<char> span)
        {
            int i = 0;
            while (i < span.Length && char.IsWhiteSpace(span[i])) i++;
            return span.Slice(i);
        }

        public static ReadOnlySpan<char> TrimEnd(this ReadOnlySpan<char> span)
        {
            int n = span.Length;
            while (n > 0 && char.IsWhiteSpace(span[n - 1])) n--;
            return span.Slice(0, n);
        }

        // One element trimmed from both ends (for bytes: span.Trim((byte)' ')).
        public static ReadOnlySpan<T> Trim<T>(this ReadOnlySpan<T> span, T trimElement) where T : unmanaged => TrimEnd(TrimStart(span, trimElement), trimElement);

        public static ReadOnlySpan<T> TrimStart<T>(this ReadOnlySpan<T> span, T trimElement) where T : unmanaged
        {
            int i = 0;
            fixed (T* p = span) while (i < span.Length && Same(p + i, &trimElement)) i++;
            return span.Slice(i);
        }

        public static ReadOnlySpan<T> TrimEnd<T>(this ReadOnlySpan<T> span, T trimElement) where T : unmanaged
        {
            int n = span.Length;
            fixed (T* p = span) while (n > 0 && Same(p + n - 1, &trimElement)) n--;
            return span.Slice(0, n);
        }

        // sizeof(T) is a constant in each instantiation, so ilc keeps one of these branches.
        private static bool Same<T>(T* a, T* b) where T : unmanaged
        {
            if (sizeof(T) == 1) return *(byte*)a == *(byte*)b;
            if (sizeof(T) == 2) return *(ushort*)a == *(ushort*)b;
            if (sizeof(T) == 4) return *(uint*)a == *(uint*)b;
            if (sizeof(T) == 8) return *(ulong*)a == *(ulong*)b;
            return BytesEqual((byte*)a, (byte*)b, (nuint)sizeof(T));
        }

        private static bool BytesEqual(byte* a, byte* b, nuint length)
        {
            nuint i = 0;
            for (; i + 8 <= length; i += 8) if (*(ulong*)(a + i) != *(ulong*)(b + i)) return false;
            for (; i < length; i++) if (a[i] != b[i]) return false;
            return true;
        }
    }
}
