using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Unikernel.Tools.Ukboot.Run;

// What is typed into a guest's console.
public abstract class ConsoleInput
{
    private protected ConsoleInput() { }

    // Bytes typed as they arrive: a terminal in line mode hands over a line at each Enter.
    public static ConsoleInput Live(Stream stream) => new LiveInput(stream);

    // Lines typed one at a time, each once the guest has answered the one before (printed something, then
    // stayed quiet a moment) or after a pause: a script for a guest that reads requests and replies.
    public static ConsoleInput Lines(TextReader reader) => new LineInput(reader);

    internal sealed class LiveInput(Stream stream) : ConsoleInput { public Stream Stream { get; } = stream; }
    internal sealed class LineInput(TextReader reader) : ConsoleInput { public TextReader Reader { get; } = reader; }
}

// Which of QEMU's serial lines are echoed. Line sees every complete line once, in order (it may keep state,
// say between markers); Partial decides for a line not yet ended, without changing that state.
public class EchoFilter
{
    private const string XenPrefix = "(XEN)";
    private readonly bool _xen;

    // Everything, or everything but Xen's own lines.
    public EchoFilter(bool echoXen) => _xen = echoXen;

    public virtual bool Line(string line) => _xen || !line.StartsWith(XenPrefix, StringComparison.Ordinal);

    public virtual bool Partial(string text) =>
        _xen || !(text.StartsWith(XenPrefix, StringComparison.Ordinal) || XenPrefix.StartsWith(text, StringComparison.Ordinal));
}

// QEMU's serial line, both ways: splits what comes out into lines for the log, the echo (Xen's own lines
// only when asked for; a guest's unfinished line, like a prompt, once the line is quiet) and the caller; and
// types input into it once Xen hands serial input to dom0.
public sealed class SerialConsole(Stream qemuInput, TextWriter? echo, bool echoXen, bool echoPartial, EchoFilter? filter = null)
{
    private readonly EchoFilter _filter = filter ?? new EchoFilter(echoXen);
    private static readonly TimeSpan PartialQuiet = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan AnswerQuiet = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan LinePause = TimeSpan.FromSeconds(3);

    private readonly object _lock = new();
    private readonly StringBuilder _log = new(), _line = new();
    private int _echoedOfLine;                 // chars of the unfinished line already echoed
    private bool _afterCr;
    private long _lastOutput = Stopwatch.GetTimestamp();
    private long _outputChunks;                // how often output arrived, for pacing scripted lines
    private readonly object _typing = new();
    private readonly ManualResetEventSlim _inputOpen = new();
    private readonly CancellationTokenSource _inputClosed = new();

    public string Log { get { lock (_lock) return _log.ToString(); } }

    // Whether anything (a line or a prompt) has been echoed: the guest has shown itself.
    public bool HasEchoed { get { lock (_lock) return _echoed; } }
    private bool _echoed;

    // Takes what QEMU printed; every line it completes goes to the log and the echo (annotated) and then,
    // as printed, to onLine.
    public void Received(ReadOnlySpan<char> chunk, Func<string, string> annotate, Action<string> onLine)
    {
        var complete = new List<string>();
        lock (_lock)
        {
            _lastOutput = Stopwatch.GetTimestamp();
            _outputChunks++;
            // Lines end as TextReader.ReadLine ends them: \n, \r or \r\n (which may straddle two chunks).
            foreach (char c in chunk)
            {
                bool crlf = c == '\n' && _afterCr;
                _afterCr = c == '\r';
                if (crlf) continue;
                if (c != '\n' && c != '\r') { _line.Append(c); continue; }
                string line = _line.ToString();
                _line.Clear();
                End(line, annotate(line));
                complete.Add(line);
            }
            echo?.Flush();
        }
        foreach (var line in complete) onLine(line);
    }

    // QEMU has exited: an unfinished last line still counts.
    public void Flush()
    {
        lock (_lock)
        {
            if (_line.Length == 0) return;
            string line = _line.ToString();
            _line.Clear();
            End(line, line);
            echo?.Flush();
        }
    }

    private void End(string line, string annotated)
    {
        _log.Append(annotated).Append('\n');
        // A prompt echoed earlier is not repeated; the rest of its line is, without annotation.
        if (_filter.Line(line) && echo != null)
        {
            echo.WriteLine(_echoedOfLine > 0 ? line[Math.Min(_echoedOfLine, line.Length)..] : annotated);
            _echoed = true;
        }
        _echoedOfLine = 0;
    }

    // Echoes the guest's unfinished line (a prompt waiting for input) once nothing more came for a moment.
    public void EchoPartialWhileQuiet(ManualResetEventSlim done)
    {
        if (!echoPartial || echo == null) return;
        while (!done.Wait(50))
        {
            lock (_lock)
            {
                string text = _line.ToString();
                if (text.Length <= _echoedOfLine || Stopwatch.GetElapsedTime(_lastOutput) < PartialQuiet || !_filter.Partial(text)) continue;
                echo.Write(text[_echoedOfLine..]);
                echo.Flush();
                _echoedOfLine = text.Length;
                _echoed = true;
            }
        }
    }

    public void OpenInput() => _inputOpen.Set();

    public void CloseInput() => _inputClosed.Cancel();

    // Feeds the input on a thread of its own (a read from a terminal blocks until the user types; the
    // thread is a background one, so it never keeps the tool alive).
    public Task StartInput(ConsoleInput input) => Task.Factory.StartNew(() =>
    {
        try
        {
            _inputOpen.Wait(_inputClosed.Token);
            if (input is ConsoleInput.LiveInput live) FeedLive(live.Stream);
            else if (input is ConsoleInput.LineInput lines) FeedLines(lines.Reader);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException) { }
    }, TaskCreationOptions.LongRunning);

    private void FeedLive(Stream stream)
    {
        var buffer = new byte[256];
        int n;
        while (!_inputClosed.IsCancellationRequested && (n = stream.Read(buffer)) > 0) Type(buffer.AsSpan(0, n));
    }

    private void FeedLines(TextReader reader)
    {
        long seen, sentAt = Stopwatch.GetTimestamp();
        lock (_lock) seen = _outputChunks;
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            while (true)
            {
                _inputClosed.Token.ThrowIfCancellationRequested();
                lock (_lock)
                {
                    bool answered = _outputChunks != seen && Stopwatch.GetElapsedTime(_lastOutput) >= AnswerQuiet;
                    if (answered || Stopwatch.GetElapsedTime(sentAt) >= LinePause) break;
                }
                Thread.Sleep(50);
            }
            Type(line + "\n");
            sentAt = Stopwatch.GetTimestamp();
            lock (_lock) seen = _outputChunks;
        }
    }

    public void Type(string text) => Type(Encoding.UTF8.GetBytes(text));

    // Xen keeps only a small buffer of serial input for dom0 (128 bytes, drivers/char/console.c) and drops
    // what overflows it, so type in short bursts, as a person would, rather than all at once.
    private void Type(ReadOnlySpan<byte> bytes)
    {
        const int Burst = 32;
        lock (_typing)
        {
            for (int i = 0; i < bytes.Length; i += Burst)
            {
                qemuInput.Write(bytes.Slice(i, Math.Min(Burst, bytes.Length - i)));
                qemuInput.Flush();
                if (i + Burst < bytes.Length) Thread.Sleep(50);
            }
        }
    }
}
