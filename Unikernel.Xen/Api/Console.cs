using System;
using System.Runtime.CompilerServices;
using Unikernel.Core.Text;

namespace Unikernel
{
    /// <summary>
    /// The domain's console: text out, lines or raw bytes in. Under Xen a domU talks to xenconsoled through
    /// the console ring; dom0 writes to and reads from Xen's serial line. Reads wait in the idle loop, so
    /// timers, xenstore watches and shutdown requests keep being served while the application waits.
    /// </summary>
    /// <remarks>
    /// Output is buffered per line (512 bytes): a newline or <see cref="Flush"/> sends it, and a longer line
    /// goes out in pieces, never cut. Interpolated strings are written without allocating:
    /// <c>Console.WriteLine($"count={n} addr=0x{a:x8} name={span}")</c> (see <see cref="InterpolatedWriteHandler"/>).
    /// </remarks>
    public static unsafe class Console
    {
        /// <summary>The longest line <see cref="ReadLine"/> returns whole; longer lines are cut and flagged.</summary>
        public const int MaxLine = Xen.ConsoleInput.MaxLine;

        /// <summary>Writes text (encoded as UTF-8). Output is buffered up to the next newline or <see cref="Flush"/>.</summary>
        public static void Write(ReadOnlySpan<char> text) => Xen.XenConsole.Write(text);

        /// <summary>Writes text followed by a newline, which sends the line.</summary>
        public static void WriteLine(ReadOnlySpan<char> text) => Xen.XenConsole.WriteLine(text);

        /// <summary>Writes a newline, which sends the line (an empty one if nothing was written before it).</summary>
        public static void WriteLine() => Xen.XenConsole.Write("\n");

        /// <summary>Writes one character (encoded as UTF-8; a lone surrogate becomes U+FFFD).</summary>
        public static void Write(char c) => Xen.XenConsole.Write(new ReadOnlySpan<char>(&c, 1));

        /// <summary>Writes a number in decimal, with a '-' when negative.</summary>
        public static void Write(long value) => Number(value, newline: false);

        /// <summary>Writes a number in decimal followed by a newline.</summary>
        public static void WriteLine(long value) => Number(value, newline: true);

        /// <summary>Writes a number in decimal (for the <c>ulong</c> counts of the API, such as <see cref="Pages.FreeCount"/>).</summary>
        public static void Write(ulong value) => Number(value, newline: false);

        /// <summary>Writes a number in decimal followed by a newline.</summary>
        public static void WriteLine(ulong value) => Number(value, newline: true);

        /// <summary>
        /// Writes bytes as they are, without conversion: UTF-8 text such as a <c>"..."u8</c> literal, or bytes
        /// read from the console or the xenstore. A '\n' byte sends the line.
        /// </summary>
        public static void Write(ReadOnlySpan<byte> utf8) => Xen.XenConsole.Write(utf8);

        /// <summary>Writes bytes as they are (see <see cref="Write(ReadOnlySpan{byte})"/>) followed by a newline.</summary>
        public static void WriteLine(ReadOnlySpan<byte> utf8) => Xen.XenConsole.WriteLine(utf8);

        private static void Number(long value, bool newline)
        {
            var text = new TextBuilder(stackalloc char[20]); // long.MinValue is 20 characters
            text.Append(value);
            Xen.XenConsole.Write(text.Text, newline);
        }

        private static void Number(ulong value, bool newline)
        {
            var text = new TextBuilder(stackalloc char[20]); // ulong.MaxValue is 20 digits
            text.Append(value);
            Xen.XenConsole.Write(text.Text, newline);
        }

        /// <summary>
        /// Writes an interpolated string, <c>Console.Write($"n={n} ")</c>, formatted without allocating
        /// (see <see cref="InterpolatedWriteHandler"/>).
        /// </summary>
        /// <param name="handler">Built by the compiler from the interpolated string; it has written the text when this runs.</param>
        public static void Write(ref InterpolatedWriteHandler handler) => handler.Finish(newline: false);

        /// <summary>
        /// Writes an interpolated string followed by a newline, <c>Console.WriteLine($"count={n} addr=0x{a:x}")</c>,
        /// formatted without allocating (see <see cref="InterpolatedWriteHandler"/>).
        /// </summary>
        /// <param name="handler">Built by the compiler from the interpolated string; it has written the text when this runs.</param>
        public static void WriteLine(ref InterpolatedWriteHandler handler) => handler.Finish(newline: true);

        /// <summary>Sends what <see cref="Write(ReadOnlySpan{char})"/> buffered without waiting for a newline.</summary>
        public static void Flush() => Xen.XenConsole.Flush();

        /// <summary>
        /// Waits for input and reads at least one byte of it, as it arrived (no line editing).
        /// Returns the number of bytes read; 0 only when <paramref name="buffer"/> is empty.
        /// </summary>
        public static int Read(Span<byte> buffer) => Xen.ConsoleInput.Read(buffer);

        /// <summary>
        /// Reads what input has arrived, without waiting: the number of bytes read, 0 when there is none.
        /// </summary>
        public static int TryRead(Span<byte> buffer) => Xen.ConsoleInput.TryRead(buffer);

        /// <summary>
        /// Whether input may be waiting: a condition for <see cref="Lifecycle.WaitUntil"/> when the console is
        /// one of several sources (it can be true once more than needed; <see cref="TryRead"/> then gives 0).
        /// </summary>
        public static bool HasInput => Xen.ConsoleInput.MayHaveInput;

        /// <summary>
        /// Waits for one line and copies it, without its end ("\r", "\n" or "\r\n"), into <paramref name="line"/>.
        /// Returns its length. <paramref name="truncated"/> is true when the line was longer than
        /// <see cref="MaxLine"/> or than <paramref name="line"/>: the start was kept and the rest dropped.
        /// </summary>
        public static int ReadLine(Span<byte> line, out bool truncated) => Xen.ConsoleInput.ReadLine(line, out truncated);

        /// <summary>
        /// What the compiler turns <c>$"..."</c> into for <see cref="Write(ref InterpolatedWriteHandler)"/> and
        /// <see cref="WriteLine(ref InterpolatedWriteHandler)"/>. The text is formatted into a buffer on the
        /// caller's stack and written whole: nothing is allocated, output of timer or event callbacks never lands
        /// inside it, and a line longer than 256 characters goes out in pieces, never cut.
        /// </summary>
        /// <remarks>
        /// Holes may be <c>string</c>, <c>ReadOnlySpan&lt;char&gt;</c>, <c>char</c>, <c>bool</c> (True/False),
        /// <c>int</c>, <c>uint</c>, <c>long</c> and <c>ulong</c> (smaller integers widen to <c>int</c>); any other
        /// type, or an alignment (<c>{x,8}</c>), is a compile error. Integers take the formats of
        /// <see cref="TextBuilder"/>'s <c>Append(value, format)</c>, .NET's output for each: <c>{v:x}</c> hex
        /// without prefix, <c>{v:x8}</c> at least 8 digits, <c>{v:X}</c> upper case, <c>{v:d5}</c> at least 5
        /// digits. An unknown format prints <c>{?format}</c> in the value's place, so it shows.
        /// </remarks>
        [InterpolatedStringHandler]
        public unsafe ref struct InterpolatedWriteHandler
        {
            // The line is formatted here, on the caller's stack, and goes to the console whole (with its end,
            // for WriteLine), so another writer's output never lands inside it; a longer one goes in pieces.
            private const int Capacity = 256;
            // Holds a formatted integer: the longest is a sign and 99 digits, or "{?format}" for a format of up
            // to 125 characters; a longer unknown format is cut and followed by "...".
            private const int PieceLength = 128;

            private fixed char _text[Capacity];
            private int _length;

            /// <summary>Called by the compiler; writes nothing yet.</summary>
            public InterpolatedWriteHandler(int literalLength, int formattedCount) => _length = 0;

            /// <summary>Adds the literal text between holes.</summary>
            public void AppendLiteral(string value) => Add(value);

            /// <summary>Adds a span of text.</summary>
            public void AppendFormatted(scoped ReadOnlySpan<char> value) => Add(value);

            /// <summary>Adds a string; null adds nothing.</summary>
            public void AppendFormatted(string? value) => Add(value);

            /// <summary>Adds a character.</summary>
            public void AppendFormatted(char value) => Add(new ReadOnlySpan<char>(&value, 1));

            /// <summary>Adds True or False, as .NET does.</summary>
            public void AppendFormatted(bool value) => Add(value ? "True" : "False");

            /// <summary>Adds the number in decimal.</summary>
            public void AppendFormatted(long value)
            {
                var piece = new TextBuilder(stackalloc char[20]);
                piece.Append(value);
                Add(piece.Text);
            }

            /// <summary>Adds the number in decimal.</summary>
            public void AppendFormatted(ulong value)
            {
                var piece = new TextBuilder(stackalloc char[20]);
                piece.Append(value);
                Add(piece.Text);
            }

            /// <summary>Adds the number in decimal.</summary>
            public void AppendFormatted(int value) => AppendFormatted((long)value);

            /// <summary>Adds the number in decimal.</summary>
            public void AppendFormatted(uint value) => AppendFormatted((ulong)value);

            /// <summary>Adds the number in the given format (see the type's remarks).</summary>
            public void AppendFormatted(int value, string? format)
            {
                var piece = new TextBuilder(stackalloc char[PieceLength]);
                piece.Append(value, format);
                Add(piece.Text);
                if (piece.Truncated) Add("...");
            }

            /// <summary>Adds the number in the given format (see the type's remarks).</summary>
            public void AppendFormatted(uint value, string? format)
            {
                var piece = new TextBuilder(stackalloc char[PieceLength]);
                piece.Append(value, format);
                Add(piece.Text);
                if (piece.Truncated) Add("...");
            }

            /// <summary>Adds the number in the given format (see the type's remarks).</summary>
            public void AppendFormatted(long value, string? format)
            {
                var piece = new TextBuilder(stackalloc char[PieceLength]);
                piece.Append(value, format);
                Add(piece.Text);
                if (piece.Truncated) Add("...");
            }

            /// <summary>Adds the number in the given format (see the type's remarks).</summary>
            public void AppendFormatted(ulong value, string? format)
            {
                var piece = new TextBuilder(stackalloc char[PieceLength]);
                piece.Append(value, format);
                Add(piece.Text);
                if (piece.Truncated) Add("...");
            }

            private void Add(scoped ReadOnlySpan<char> text)
            {
                while (!text.IsEmpty)
                {
                    if (_length == Capacity) Send(newline: false);
                    int n = text.Length < Capacity - _length ? text.Length : Capacity - _length;
                    for (int i = 0; i < n; i++) _text[_length + i] = text[i];
                    _length += n;
                    text = text.Slice(n);
                }
            }

            private void Send(bool newline)
            {
                fixed (char* text = _text) Xen.XenConsole.Write(new ReadOnlySpan<char>(text, _length), newline);
                _length = 0;
            }

            internal void Finish(bool newline) => Send(newline);
        }
    }
}
