namespace System
{
    public static unsafe class MemoryExtensions
    {
        // The compiler converts string to ReadOnlySpan<char> through this, so it must not convert implicitly itself.
        public static ReadOnlySpan<char> AsSpan(this string? text)
        {
            if (text == null) return default;
            fixed (char* p = &text.GetPinnableReference()) return new ReadOnlySpan<char>(p, text.Length);
        }
    }
}
