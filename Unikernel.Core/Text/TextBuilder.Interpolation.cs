using System;
using System.Runtime.CompilerServices;

namespace Unikernel.Core.Text
{
    public ref partial struct TextBuilder
    {
        // text.Append($"count={n} addr=0x{a:x}") lands here. The compiler builds the handler from a copy of
        // this builder (same buffer), makes its AppendLiteral/AppendFormatted calls, then this takes back the
        // length and the truncation flag. Nothing is allocated.
        public void Append([InterpolatedStringHandlerArgument("")] ref AppendInterpolatedHandler handler)
        {
            _length = handler.Builder._length;
            Truncated = handler.Builder.Truncated;
        }

        // The holes an interpolated string may hold: only these concrete types (no boxing, no generic
        // AppendFormatted<T>), so any other type, or an alignment ({x,8}), is a compile error rather than a
        // surprise. Integers take the formats of Append(value, format); bool prints True/False as .NET does;
        // a null string prints nothing. Text that does not fit is cut and flagged, as by any Append.
        [InterpolatedStringHandler]
        public ref struct AppendInterpolatedHandler
        {
            internal TextBuilder Builder;

            public AppendInterpolatedHandler(int literalLength, int formattedCount, TextBuilder builder) => Builder = builder;

            public void AppendLiteral(string value) => Builder.Append(value);
            public void AppendFormatted(scoped ReadOnlySpan<char> value) => Builder.Append(value);
            public void AppendFormatted(string? value) => Builder.Append(value);
            public void AppendFormatted(char value) => Builder.Append(value);
            public void AppendFormatted(bool value) => Builder.Append(value ? "True" : "False");
            public void AppendFormatted(int value) => Builder.Append(value);
            public void AppendFormatted(uint value) => Builder.Append(value);
            public void AppendFormatted(long value) => Builder.Append(value);
            public void AppendFormatted(ulong value) => Builder.Append(value);
            public void AppendFormatted(int value, string? format) => Builder.Append(value, format);
            public void AppendFormatted(uint value, string? format) => Builder.Append(value, format);
            public void AppendFormatted(long value, string? format) => Builder.Append(value, format);
            public void AppendFormatted(ulong value, string? format) => Builder.Append(value, format);
        }
    }
}
