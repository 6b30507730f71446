using System.Runtime.CompilerServices;

namespace System
{
    // ilc pre-evaluates static constructors and lays out string literals itself: the two field names are fixed.
    public sealed unsafe class String
    {
#pragma warning disable 169, 649
        private readonly int _stringLength;
        private char _firstChar;
#pragma warning restore 169, 649

        public int Length => _stringLength;

        [IndexerName("Chars")]
        public char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_stringLength)
                    Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
                fixed (char* p = &_firstChar) return p[index];
            }
        }

        public ref readonly char GetPinnableReference() => ref _firstChar;

        public static implicit operator ReadOnlySpan<char>(string? value) => MemoryExtensions.AsSpan(value);

        public static bool IsNullOrEmpty(string? value) => value == null || value._stringLength == 0;

        public static bool operator ==(string? a, string? b) => Equals(a, b);
        public static bool operator !=(string? a, string? b) => !Equals(a, b);
        public override bool Equals(object? other) => other is string s && Equals(this, s);
        public override int GetHashCode() => _stringLength;
        public override string ToString() => this;

        public static bool Equals(string? a, string? b)
        {
            if ((object?)a == b) return true;
            if (a is null || b is null || a._stringLength != b._stringLength) return false;
            for (int i = 0; i < a._stringLength; i++)
                if (a[i] != b[i]) return false;
            return true;
        }
    }
}
