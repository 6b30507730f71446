using System;
using System.Runtime.CompilerServices;

namespace Unikernel.Core.Text
{
    public ref partial struct TextBuilder
    {
        /// <summary>
        /// Appends an interpolated string, <c>text.Append($"count={n} addr=0x{a:x}")</c>, without allocating.
        /// </summary>
        // The compiler builds the handler from a copy of this builder (same buffer), makes its
        // AppendLiteral/AppendFormatted calls, then this takes back the length and the truncation flag.
        public void Append([InterpolatedStringHandlerArgument("")] ref AppendInterpolatedHandler handler)
        {
            _length = handler.Builder._length;
            Truncated = handler.Builder.Truncated;
        }

        /// <summary>
        /// What the compiler turns <c>$"..."</c> into for <see cref="Append(ref AppendInterpolatedHandler)"/>. The
        /// holes may be <c>string</c>, <c>ReadOnlySpan&lt;char&gt;</c>, <c>char</c>, <c>bool</c> (True/False),
        /// <c>int</c>, <c>uint</c>, <c>long</c> or <c>ulong</c> (with the formats of
        /// <see cref="Append(int, ReadOnlySpan{char})"/>); any other type, or an alignment (<c>{x,8}</c>), is a
        /// compile error rather than a surprise. A null string prints nothing; text that does not fit is cut and
        /// flagged, as by any Append. Not called directly.
        /// </summary>
        // Only concrete types: no boxing, no generic AppendFormatted<T>.
        [InterpolatedStringHandler]
        public ref struct AppendInterpolatedHandler
        {
            internal TextBuilder Builder;

            /// <summary>Made by the compiler for the builder the string is appended to.</summary>
            public AppendInterpolatedHandler(int literalLength, int formattedCount, TextBuilder builder) => Builder = builder;

            /// <summary>The string's literal parts.</summary>
            public void AppendLiteral(string value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(scoped ReadOnlySpan<char> value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(string? value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(char value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(bool value) => Builder.Append(value ? "True" : "False");
            /// <summary>A hole.</summary>
            public void AppendFormatted(int value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(uint value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(long value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(ulong value) => Builder.Append(value);
            /// <summary>A hole.</summary>
            public void AppendFormatted(int value, string? format) => Builder.Append(value, format);
            /// <summary>A hole.</summary>
            public void AppendFormatted(uint value, string? format) => Builder.Append(value, format);
            /// <summary>A hole.</summary>
            public void AppendFormatted(long value, string? format) => Builder.Append(value, format);
            /// <summary>A hole.</summary>
            public void AppendFormatted(ulong value, string? format) => Builder.Append(value, format);
        }
    }
}
