using System;

namespace Unikernel
{
    /// <summary>
    /// The domain's console: text out, lines or raw bytes in. Under Xen a domU talks to xenconsoled through
    /// the console ring; dom0 writes to and reads from Xen's serial line. Reads wait in the idle loop, so
    /// timers, xenstore watches and shutdown requests keep being served while the application waits.
    /// </summary>
    public static class Console
    {
        /// <summary>The longest line <see cref="ReadLine"/> returns whole; longer lines are cut and flagged.</summary>
        public const int MaxLine = Xen.ConsoleInput.MaxLine;

        /// <summary>Writes text (encoded as UTF-8). Output is buffered up to the next newline or <see cref="Flush"/>.</summary>
        public static void Write(ReadOnlySpan<char> text) => Xen.XenConsole.Write(text);

        /// <summary>Writes text followed by a newline, which sends the line.</summary>
        public static void WriteLine(ReadOnlySpan<char> text) => Xen.XenConsole.WriteLine(text);

        /// <summary>Sends what <see cref="Write"/> buffered without waiting for a newline.</summary>
        public static void Flush() => Xen.XenConsole.Flush();

        /// <summary>
        /// Waits for input and reads at least one byte of it, as it arrived (no line editing).
        /// Returns the number of bytes read; 0 only when <paramref name="buffer"/> is empty.
        /// </summary>
        public static int Read(Span<byte> buffer) => Xen.ConsoleInput.Read(buffer);

        /// <summary>
        /// Waits for one line and copies it, without its end ("\r", "\n" or "\r\n"), into <paramref name="line"/>.
        /// Returns its length. <paramref name="truncated"/> is true when the line was longer than
        /// <see cref="MaxLine"/> or than <paramref name="line"/>: the start was kept and the rest dropped.
        /// </summary>
        public static int ReadLine(Span<byte> line, out bool truncated) => Xen.ConsoleInput.ReadLine(line, out truncated);
    }
}
