using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.Time;

namespace Unikernel.Tests.Core.Time;

public sealed unsafe class TimerQueueTests : IDisposable
{
    private const int Capacity = 4;
    private readonly TimerSlot* _slots = (TimerSlot*)NativeMemory.AllocZeroed((nuint)(sizeof(TimerSlot) * Capacity));
    private TimerQueue _queue;
    [ThreadStatic] private static List<ulong>? t_ran;
    [ThreadStatic] private static Action<ulong>? t_onRun;

    public TimerQueueTests()
    {
        _queue = new TimerQueue(_slots, Capacity);
        t_ran = new List<ulong>();
        t_onRun = null;
    }

    public void Dispose() => NativeMemory.Free(_slots);

    private static void Run(ulong data)
    {
        t_ran!.Add(data);
        t_onRun?.Invoke(data);
    }

    private TimerHandle Start(ulong deadline, ulong data)
    {
        Assert.True(_queue.TryStart(deadline, &Run, data, out var handle));
        return handle;
    }

    [Fact]
    public void Runs_only_expired_timers_in_deadline_order()
    {
        Start(300, 3); Start(100, 1); Start(200, 2);
        Assert.Equal(100UL, _queue.EarliestDeadline);
        Assert.Equal(0, _queue.RunExpired(99));
        Assert.Equal(2, _queue.RunExpired(200));
        Assert.Equal(new ulong[] { 1, 2 }, t_ran);
        Assert.Equal(300UL, _queue.EarliestDeadline);
        Assert.Equal(1, _queue.ActiveCount);
    }

    [Fact]
    public void Empty_queue_has_no_deadline() => Assert.Equal(ulong.MaxValue, _queue.EarliestDeadline);

    [Fact]
    public void Cancel_stops_a_timer_once_and_stale_handles_do_nothing()
    {
        var handle = Start(100, 1);
        Assert.True(_queue.Cancel(handle));
        Assert.False(_queue.Cancel(handle));
        var reused = Start(150, 2); // same slot, next generation
        Assert.Equal(handle.Slot, reused.Slot);
        Assert.False(_queue.Cancel(handle));
        Assert.True(_queue.IsActive(reused));
        _queue.RunExpired(1000);
        Assert.Equal(new ulong[] { 2 }, t_ran);
        Assert.False(_queue.Cancel(reused));
        Assert.False(_queue.Cancel(default));
    }

    [Fact]
    public void Full_queue_refuses_and_frees_a_slot_when_a_timer_runs()
    {
        for (ulong i = 0; i < Capacity; i++) Start(10 + i, i);
        Assert.False(_queue.TryStart(1, &Run, 99, out _));
        _queue.RunExpired(10);
        Assert.True(_queue.TryStart(1, &Run, 99, out _));
    }

    [Fact]
    public void Callback_can_rearm_itself_and_a_due_rearm_runs_in_the_same_pass()
    {
        int count = 0;
        t_onRun = data => { if (++count < 3) Assert.True(_queue.TryStart(50, &Run, data, out _)); };
        Start(50, 7);
        Assert.Equal(3, _queue.RunExpired(50));
        Assert.Equal(0, _queue.ActiveCount);
    }

    [Fact]
    public void A_repeating_timer_fires_every_period_until_cancelled_and_skips_missed_ticks()
    {
        Assert.True(_queue.TryStart(100, 50, &Run, 7, out var handle));
        Assert.Equal(0, _queue.RunExpired(99));
        Assert.Equal(1, _queue.RunExpired(100));
        Assert.Equal(150UL, _queue.EarliestDeadline);
        Assert.Equal(1, _queue.RunExpired(160)); // one run for 150, next at 200
        Assert.Equal(200UL, _queue.EarliestDeadline);
        Assert.Equal(1, _queue.RunExpired(420)); // 200, 250, ... missed: one run, the next tick after 420
        Assert.Equal(450UL, _queue.EarliestDeadline);
        Assert.True(_queue.IsActive(handle));
        Assert.True(_queue.Cancel(handle));
        Assert.Equal(0, _queue.RunExpired(1000));
        Assert.Equal(new ulong[] { 7, 7, 7 }, t_ran);
    }

    [Fact]
    public void A_repeating_timer_can_cancel_itself_from_its_callback()
    {
        Assert.True(_queue.TryStart(10, 10, &Run, 1, out var handle));
        t_onRun = _ => { if (t_ran!.Count == 2) Assert.True(CancelFromCallback(handle)); };
        fixed (TimerQueue* queue = &_queue)
        {
            s_self = queue;
            for (ulong now = 10; now <= 100; now += 10) queue->RunExpired(now);
        }
        Assert.Equal(2, t_ran!.Count);
        Assert.False(_queue.IsActive(handle));
    }

    [ThreadStatic] private static TimerQueue* s_self;
    private static bool CancelFromCallback(TimerHandle handle) => s_self->Cancel(handle);
}
