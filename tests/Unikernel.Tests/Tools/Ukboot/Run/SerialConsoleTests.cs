using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Tools.Ukboot.Run;

// ukboot run's console without QEMU: what is echoed (Xen's lines hidden, prompts shown), and when input is
// typed (not before Xen hands serial input to dom0; scripted lines one at a time, after the guest answered).
public class SerialConsoleTests
{
    private static readonly Func<string, string> Plain = line => line;

    [Fact]
    public void Xen_lines_are_logged_but_echoed_only_when_asked_for()
    {
        foreach (bool echoXen in new[] { false, true })
        {
            var echo = new StringWriter();
            var console = new SerialConsole(Stream.Null, echo, echoXen, echoPartial: false);
            var seen = new StringBuilder();
            console.Received("(XEN) [    1.0] Xen version 4.17\r\nkv: re".AsSpan(), Plain, l => seen.Append(l).Append('|'));
            console.Received("ady\r\n(XEN) Hardware Dom0 halted\r\n".AsSpan(), Plain, l => seen.Append(l).Append('|'));
            Assert.Equal("(XEN) [    1.0] Xen version 4.17|kv: ready|(XEN) Hardware Dom0 halted|", seen.ToString());
            Assert.Equal("(XEN) [    1.0] Xen version 4.17\nkv: ready\n(XEN) Hardware Dom0 halted\n", console.Log);
            Assert.Equal(echoXen ? console.Log : "kv: ready\n", echo.ToString().Replace("\r\n", "\n"));
        }
    }

    [Fact]
    public void Lines_end_at_LF_CR_or_CRLF_even_across_chunks()
    {
        var console = new SerialConsole(Stream.Null, null, echoXen: true, echoPartial: false);
        var seen = new StringBuilder();
        foreach (var chunk in new[] { "a\r", "\nb\rc\n", "d\r\r\ne" })
            console.Received(chunk.AsSpan(), Plain, l => seen.Append(l).Append('|'));
        console.Flush();
        Assert.Equal("a|b|c|d||", seen.ToString());
        Assert.Equal("a\nb\nc\nd\n\ne\n", console.Log);
    }

    [Fact]
    public void An_unfinished_line_is_echoed_once_the_line_is_quiet_and_not_again_at_its_end()
    {
        var echo = new StringWriter();
        var console = new SerialConsole(Stream.Null, TextWriter.Synchronized(echo), echoXen: false, echoPartial: true);
        using var done = new ManualResetEventSlim();
        var watcher = new Thread(() => console.EchoPartialWhileQuiet(done)) { IsBackground = true };
        watcher.Start();
        console.Received("(XE".AsSpan(), Plain, _ => { });   // could be Xen's: held back
        Thread.Sleep(400);
        Assert.Equal("", echo.ToString());
        console.Received("N) x\nkv> ".AsSpan(), Plain, _ => { });
        Assert.True(SpinWait.SpinUntil(() => echo.ToString() == "kv> ", 2000), $"prompt not echoed: '{echo}'");
        console.Received("set a 1\n".AsSpan(), line => line + " [annotated]", _ => { });
        done.Set();
        watcher.Join();
        Assert.Equal("kv> set a 1\n", echo.ToString().Replace("\r\n", "\n"));
        Assert.Equal("(XEN) x\nkv> set a 1 [annotated]\n", console.Log);
    }

    [Fact]
    public void Scripted_lines_wait_for_dom0_input_then_go_one_per_answer()
    {
        var typed = new TypedStream();
        var console = new SerialConsole(typed, null, echoXen: false, echoPartial: false);
        var feeder = console.StartInput(ConsoleInput.Lines(new StringReader("get a\nquit\n")));
        Thread.Sleep(500);
        Assert.Equal("", typed.Text);                      // Xen still has the serial input
        console.OpenInput();
        Assert.True(SpinWait.SpinUntil(() => typed.Text == "get a\n", 5000), $"first line not typed: '{typed.Text}'");
        Thread.Sleep(500);
        Assert.Equal("get a\n", typed.Text);                  // no answer yet
        var answered = Stopwatch.StartNew();
        console.Received("value 1\n".AsSpan(), Plain, _ => { });
        Assert.True(SpinWait.SpinUntil(() => typed.Text == "get a\nquit\n", 5000), $"second line not typed: '{typed.Text}'");
        Assert.InRange(answered.ElapsedMilliseconds, 250, 2000); // after the answer and a quiet moment
        Assert.True(feeder.Wait(2000));
    }

    [Fact]
    public void Live_input_is_typed_as_it_arrives_and_closing_stops_it()
    {
        var typed = new TypedStream();
        var console = new SerialConsole(typed, null, echoXen: false, echoPartial: false);
        var feeder = console.StartInput(ConsoleInput.Live(new MemoryStream(Encoding.UTF8.GetBytes("help\nkeys\n"))));
        Thread.Sleep(300);
        Assert.Equal("", typed.Text);
        console.OpenInput();
        Assert.True(SpinWait.SpinUntil(() => typed.Text == "help\nkeys\n", 5000), $"typed: '{typed.Text}'");
        Assert.True(feeder.Wait(2000));

        var never = new SerialConsole(new TypedStream(), null, false, false);
        var waiting = never.StartInput(ConsoleInput.Lines(new StringReader("x\n")));
        never.CloseInput();                                   // the boot ended before dom0 took input
        Assert.True(waiting.Wait(2000));
    }

    // What was typed into QEMU, readable while a feeder writes.
    private sealed class TypedStream : MemoryStream
    {
        public string Text { get { lock (this) return Encoding.UTF8.GetString(ToArray()); } }
        public override void Write(ReadOnlySpan<byte> buffer) { lock (this) base.Write(buffer); }
        public override void Write(byte[] buffer, int offset, int count) { lock (this) base.Write(buffer, offset, count); }
    }
}
