using System;
using Unikernel;
using Unikernel.Core.Text;
using Unikernel.Xen;

// The console under load and with a stalled backend (XlReliabilityTests drives these under xl).
internal static unsafe class ConsoleReliability
{
    private const int MainLines = 3000;
    private static int s_ticks;
    private static bool s_stop;

    // Main writes numbered lines while a timer callback writes its own numbered lines every 300 us; the
    // ring fills often, so callbacks write while Main waits for room. Every line of both must arrive whole,
    // once, in order.
    public static int Race()
    {
        VcpuTimer.StartAfter(300_000, &Tick, 0);
        Span<char> buffer = stackalloc char[96];
        for (int i = 0; i < MainLines; i++)
        {
            var text = new TextBuilder(buffer);
            text.Append("main ");
            text.Append(i);
            text.Append(" the quick brown fox jumps over the lazy dog");
            XenConsole.WriteLine(text.Text);
        }
        s_stop = true;
        Idle.Sleep(1_000_000); // the last tick (if armed) runs or is cancelled by the flag
        var done = new TextBuilder(buffer);
        done.Append("race done main=");
        done.Append(MainLines);
        done.Append(" ticks=");
        done.Append(s_ticks);
        done.Append(" dropped=");
        done.Append(XenConsole.DroppedBytes);
        XenConsole.WriteLine(done.Text);
        return 0;
    }

    private static void Tick(ulong unused)
    {
        if (s_stop) return;
        Span<char> buffer = stackalloc char[32];
        var text = new TextBuilder(buffer);
        text.Append("tick ");
        text.Append(s_ticks++);
        XenConsole.WriteLine(text.Text);
        VcpuTimer.StartAfter(300_000, &Tick, 0);
    }

    // Writes without end; the test stops xenconsoled and asks for a shutdown, which must still happen.
    public static int StallThenShutdown()
    {
        ShutdownControl.AddHook(&OnShutdown);
        XenConsole.WriteLine("stall ready");
        Spam();
        return 1;
    }

    // Writes without end; a timer panics 6 s in, when the test has stopped xenconsoled: the crash must
    // still reach SHUTDOWN_crash.
    public static int StallThenPanic()
    {
        VcpuTimer.StartAfter(6_000_000_000, &PanicNow, 0);
        XenConsole.WriteLine("stall ready");
        Spam();
        return 1;
    }

    private static void Spam()
    {
        Span<char> buffer = stackalloc char[96];
        for (ulong i = 0; ; i++)
        {
            var text = new TextBuilder(buffer);
            text.Append("spam ");
            text.Append(i);
            text.Append(" waiting for a stalled xenconsoled");
            XenConsole.WriteLine(text.Text);
        }
    }

    private static void OnShutdown(ShutdownReason reason) => XenConsole.WriteLine("stall hook ran");

    private static void PanicNow(ulong unused) => Panic.Fail("probe: panic with a stalled console");

    // A timer callback that sleeps: refused with a message naming the call, never a re-entered upcall.
    public static int SleepInCallback()
    {
        VcpuTimer.StartAfter(1_000_000, &SleepNow, 0);
        Idle.Sleep(1_000_000_000);
        XenConsole.WriteLine("probe: the sleeping callback was not refused");
        return 1;
    }

    private static void SleepNow(ulong unused) => Idle.Sleep(1_000_000);
}
