using System;
using Unikernel.Core;
using Unikernel.Core.Paravirt;
using Unikernel.Core.Text;
using Unikernel.Xen;

// Event delivery, timers and idle under real Xen, each printed as "check <name>: ok|FAIL" with figures the
// boot test reads ("timer ...", "storm ...").
internal static unsafe class EventChecks
{
    private const int StormPorts = 8;
    private const int StormSends = 10_000;
    // A timer may be late by the time Xen needs to notice its deadline and bounce the VIRQ to us; under
    // QEMU/TCG it was 0.6-1.5 ms, so 5 ms.
    private const ulong TimerLateBound = 5_000_000;

    private struct TimerProbe { public ulong FiredAt; public ulong Fired; }

    private struct Storm
    {
        public fixed uint Ports[StormPorts];
        public fixed int Outstanding[StormPorts];
        public fixed int Sent[StormPorts];
        public fixed int Delivered[StormPorts];
        public int Duplicates;
    }

    private static Storm s_storm;
    private static int s_simpleDeliveries;

    public static int Run(ulong seed)
    {
        int failures = 0;
        failures += ClockChecks();
        failures += TimerChecks();
        failures += RepeatingTimerChecks();
        failures += IdleChecks();
        failures += MaskedEventChecks();
        failures += StormChecks(seed);
        failures += CheckReport.Check("events-enabled-at-exit", Paravirt.Ops.SaveFlags() == Paravirt.InterruptFlag);
        XenConsole.WriteLine(failures == 0 ? "events: 0 failed" : "events: FAILED");
        return failures;
    }

    // Through the public API: a repeating timer fires every period, never early, until cancelled; a callback
    // can stop its own timer; durations carry their units.
    // Ticks are on a fixed schedule (start + k periods, no drift), so a late tick may be followed closely by
    // the next; none may come before its own time.
    private struct Repeats { public ulong Count, Start, Period, Last, Early, StopAfter; public Unikernel.Core.Time.TimerHandle Handle; }

    private static void CountRepeat(ulong data)
    {
        var r = (Repeats*)data;
        ulong now = PvClock.Now;
        r->Last = now;
        r->Count++;
        if (now - r->Start < r->Count * r->Period) r->Early++;
        if (r->StopAfter != 0 && r->Count == r->StopAfter) Unikernel.Timers.Cancel(r->Handle);
    }

    private static int RepeatingTimerChecks()
    {
        int failures = 0;
        var period = Unikernel.Duration.FromMilliseconds(1);
        Repeats every = default;
        every.Period = period.Nanoseconds;
        every.Start = PvClock.Now; // a little before StartEvery reads the clock: a tick due by it is due by this too
        ulong start = every.Start;
        every.Handle = Unikernel.Timers.StartEvery(period, &CountRepeat, (ulong)&every);
        Unikernel.Clock.Sleep(Unikernel.Duration.FromMilliseconds(10));
        bool stopped = Unikernel.Timers.Cancel(every.Handle);
        ulong afterCancel = every.Count;
        Unikernel.Clock.Sleep(Unikernel.Duration.FromMilliseconds(3));
        var line = new TextBuilder(stackalloc char[96]);
        line.Append($"repeating timer fired={every.Count} early={every.Early} last-after={every.Last - start}");
        XenConsole.WriteLine(line.Text);
        failures += CheckReport.Check("repeating-timer-repeats", every.Count >= 5 && every.Count <= 10);
        failures += CheckReport.Check("repeating-timer-never-early", every.Early == 0);
        failures += CheckReport.Check("repeating-timer-cancel-stops-it", stopped && every.Count == afterCancel && !Unikernel.Timers.Cancel(every.Handle));

        Repeats three = default;
        three.Period = 500_000;
        three.Start = PvClock.Now;
        three.StopAfter = 3;
        three.Handle = Unikernel.Timers.StartEvery(Unikernel.Duration.FromMicroseconds(500), &CountRepeat, (ulong)&three);
        Unikernel.Clock.Sleep(Unikernel.Duration.FromMilliseconds(4));
        failures += CheckReport.Check("repeating-timer-stops-itself", three.Count == 3);

        bool units = Unikernel.Duration.FromMilliseconds(3).Nanoseconds == 3_000_000
            && (Unikernel.Duration.FromSeconds(2) + Unikernel.Duration.FromMicroseconds(5)).Nanoseconds == 2_000_005_000
            && Unikernel.Duration.Between(10, 25).Nanoseconds == 15 && Unikernel.Duration.FromSeconds(90).TotalMilliseconds == 90_000;
        failures += CheckReport.Check("duration-units", units);
        return failures;
    }

    private static int ClockChecks()
    {
        ulong previous = PvClock.Now;
        bool monotonic = true;
        for (int i = 0; i < 1000; i++)
        {
            ulong now = PvClock.Now;
            if (now < previous) monotonic = false;
            previous = now;
        }
        Line("wallclock unix-seconds=", PvClock.WallClock / PvClock.NanosecondsPerSecond);
        return CheckReport.Check("clock-monotonic", monotonic && previous != 0);
    }

    private static int TimerChecks()
    {
        int failures = 0;
        ulong delay = 100_000; // 100 us, then x10 up to 100 ms
        Span<char> buffer = stackalloc char[96];
        for (int i = 0; i < 4; i++, delay *= 10)
        {
            TimerProbe probe = default;
            ulong deadline = PvClock.Now + delay;
            VcpuTimer.StartAt(deadline, &RecordFiring, (ulong)&probe);
            Idle.WaitUntil(&HasFired, (ulong)&probe, "probe");
            ulong late = probe.FiredAt - deadline;
            var text = new TextBuilder(buffer);
            text.Append("timer delay=");
            text.Append(delay);
            text.Append(" late=");
            text.Append((long)late);
            XenConsole.WriteLine(text.Text);
            failures += CheckReport.Check("timer-not-early", probe.FiredAt >= deadline && probe.Fired == 1);
            failures += CheckReport.Check("timer-within-bound", probe.FiredAt >= deadline && late <= TimerLateBound);
        }

        // Two timers started out of order run in deadline order; a cancelled one never runs.
        TimerProbe first = default, second = default, cancelled = default;
        ulong now = PvClock.Now;
        VcpuTimer.StartAt(now + 2_000_000, &RecordFiring, (ulong)&second);
        var handle = VcpuTimer.StartAt(now + 1_500_000, &RecordFiring, (ulong)&cancelled);
        VcpuTimer.StartAt(now + 1_000_000, &RecordFiring, (ulong)&first);
        bool wasCancelled = VcpuTimer.Cancel(handle);
        Idle.WaitUntil(&HasFired, (ulong)&second, "probe");
        failures += CheckReport.Check("timers-in-deadline-order", first.Fired == 1 && first.FiredAt <= second.FiredAt);
        failures += CheckReport.Check("timer-cancel", wasCancelled && cancelled.Fired == 0 && !VcpuTimer.Cancel(handle));
        return failures;
    }

    private static void RecordFiring(ulong address)
    {
        var probe = (TimerProbe*)address;
        probe->FiredAt = PvClock.Now;
        probe->Fired++;
    }

    private static bool HasFired(ulong address) => ((TimerProbe*)address)->Fired != 0;

    // Sleeping blocks the vCPU a few times at most: it waits on the timer event, it does not spin.
    private static int IdleChecks()
    {
        const ulong nap = 20_000_000;
        ulong blocksBefore = Idle.BlockCount, start = PvClock.Now;
        Idle.Sleep(nap);
        ulong elapsed = PvClock.Now - start, blocks = Idle.BlockCount - blocksBefore;
        Line("idle blocks=", blocks);
        return CheckReport.Check("sleep-blocks-not-spins", elapsed >= nap && blocks >= 1 && blocks <= 4);
    }

    // An event sent while its port (or all events) is masked waits, and arrives on unmask with no new send.
    private static int MaskedEventChecks()
    {
        int failures = 0;
        uint port = EventChannels.BindIpi(&CountSimple, 0);
        s_simpleDeliveries = 0;
        EventChannels.Send(port);
        failures += CheckReport.Check("ipi-delivered-at-once", s_simpleDeliveries == 1);

        EventChannels.Mask(port);
        EventChannels.Send(port);
        Hypercall.XenVersion(0, null); // any hypercall returns through Xen's event check
        failures += CheckReport.Check("masked-port-holds-event", s_simpleDeliveries == 1 && EventChannels.IsPending(port));
        EventChannels.Unmask(port);
        failures += CheckReport.Check("unmask-delivers-held-event", s_simpleDeliveries == 2 && !EventChannels.IsPending(port));

        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        ops.IrqDisable();
        EventChannels.Send(port);
        Hypercall.XenVersion(0, null);
        bool held = s_simpleDeliveries == 2;
        ops.IrqEnable();
        failures += CheckReport.Check("irq-enable-delivers-held-event", held && s_simpleDeliveries == 3);
        EventChannels.Close(port);
        return failures;
    }

    private static void CountSimple(uint port, ulong data) => s_simpleDeliveries++;

    // Random sends over several ports under random port masking and global masking: every send is
    // delivered exactly once, immediately when nothing masks it, and later (on unmask) when something does.
    private static int StormChecks(ulong seed)
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        fixed (Storm* storm = &s_storm)
        {
            for (int i = 0; i < StormPorts; i++) storm->Ports[i] = EventChannels.BindIpi(&StormHandler, (ulong)i);
            ulong state = seed | 1;
            int lateImmediate = 0, lostBeforeResend = 0, held = 0;
            for (int n = 0; n < StormSends; n++)
            {
                ulong r = Next(ref state);
                int p = (int)(r % StormPorts);
                uint port = storm->Ports[p];
                switch ((r >> 8) % 6)
                {
                    case 0: ops.IrqDisable(); break;
                    case 1: ops.IrqEnable(); break;
                    case 2: EventChannels.Mask(port); break;
                    case 3: EventChannels.Unmask(port); break;
                }
                if (storm->Outstanding[p] != 0)
                {
                    // Still held by a mask: lift both and it must arrive before we send again.
                    held++;
                    EventChannels.Unmask(port);
                    ops.IrqEnable();
                    if (storm->Outstanding[p] != 0) lostBeforeResend++;
                }
                bool deliverable = ops.SaveFlags() != 0 && !EventChannels.IsMasked(port);
                storm->Outstanding[p] = 1;
                storm->Sent[p]++;
                EventChannels.Send(port);
                if (deliverable && storm->Outstanding[p] != 0) lateImmediate++;
            }

            for (int i = 0; i < StormPorts; i++) EventChannels.Unmask(storm->Ports[i]);
            ops.IrqEnable();
            int sent = 0, delivered = 0, outstanding = 0;
            for (int i = 0; i < StormPorts; i++)
            {
                sent += storm->Sent[i];
                delivered += storm->Delivered[i];
                outstanding += storm->Outstanding[i];
                EventChannels.Close(storm->Ports[i]);
            }

            Span<char> buffer = stackalloc char[160];
            var text = new TextBuilder(buffer);
            text.Append("storm seed=");
            text.AppendHex(seed);
            text.Append(" sent=");
            text.Append(sent);
            text.Append(" delivered=");
            text.Append(delivered);
            text.Append(" held=");
            text.Append(held);
            text.Append(" duplicates=");
            text.Append(storm->Duplicates);
            XenConsole.WriteLine(text.Text);

            int failures = 0;
            failures += CheckReport.Check("storm-exactly-once", sent == StormSends && delivered == sent && outstanding == 0 && storm->Duplicates == 0);
            failures += CheckReport.Check("storm-unmasked-sends-arrive-at-once", lateImmediate == 0);
            failures += CheckReport.Check("storm-held-events-arrive-on-unmask", lostBeforeResend == 0 && held > 0);
            return failures;
        }
    }

    private static void StormHandler(uint port, ulong index)
    {
        fixed (Storm* storm = &s_storm)
        {
            if (storm->Outstanding[index] == 0) storm->Duplicates++;
            storm->Outstanding[index] = 0;
            storm->Delivered[index]++;
        }
    }

    private static ulong Next(ref ulong state)
    {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }

    private static void Line(string label, ulong value)
    {
        Span<char> buffer = stackalloc char[64];
        var text = new TextBuilder(buffer);
        text.Append(label);
        text.Append(value);
        XenConsole.WriteLine(text.Text);
    }
}
