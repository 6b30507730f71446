using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.Events;
using Unikernel.Core.Paravirt;

namespace Unikernel.Tests.Core.Events;

// The 2-level demultiplexer and guest-side unmask against an in-memory model of what Xen does on a send
// (common/event_2l.c: set pending; if unmasked and the selector bit was clear, mark the upcall pending).
public sealed unsafe class TwoLevelEventsTests : IDisposable
{
    private const int Words = 4;
    private readonly EventFlags* _cpu;
    private readonly ulong* _selector, _pending, _mask;
    private TwoLevelEvents _events;
    [ThreadStatic] private static List<uint>? t_delivered;
    [ThreadStatic] private static Action<uint>? t_onDeliver;

    public TwoLevelEventsTests()
    {
        _cpu = (EventFlags*)NativeMemory.AllocZeroed(16);
        _selector = (ulong*)NativeMemory.AllocZeroed(8);
        _pending = (ulong*)NativeMemory.AllocZeroed(Words * 8);
        _mask = (ulong*)NativeMemory.AllocZeroed(Words * 8);
        _events = new TwoLevelEvents(_cpu, _selector, _pending, _mask, Words);
        t_delivered = new List<uint>();
        t_onDeliver = null;
    }

    public void Dispose()
    {
        NativeMemory.Free(_cpu); NativeMemory.Free(_selector); NativeMemory.Free(_pending); NativeMemory.Free(_mask);
    }

    private static void Record(uint port)
    {
        t_delivered!.Add(port);
        t_onDeliver?.Invoke(port);
    }

    // What the hypervisor does on EVTCHNOP_send.
    private void XenSend(uint port)
    {
        ulong bit = 1UL << (int)(port % 64);
        ulong word = port / 64;
        if ((_pending[word] & bit) != 0) return;
        _pending[word] |= bit;
        if ((_mask[word] & bit) == 0 && (*_selector & (1UL << (int)word)) == 0)
        {
            *_selector |= 1UL << (int)word;
            _cpu->Pending = 1;
        }
    }

    private int Dispatch() => _events.Dispatch(&Record);

    [Fact]
    public void Delivers_each_pending_unmasked_port_once_and_clears_everything()
    {
        foreach (uint port in new uint[] { 3, 64, 65, 200, 3 }) XenSend(port);
        Assert.Equal(4, Dispatch());
        Assert.Equal(new uint[] { 3, 64, 65, 200 }, t_delivered);
        Assert.Equal(0, _cpu->Pending);
        Assert.Equal(0UL, *_selector);
        for (int w = 0; w < Words; w++) Assert.Equal(0UL, _pending[w]);
        Assert.Equal(0, Dispatch());
    }

    [Fact]
    public void Masked_port_stays_pending_and_is_not_delivered()
    {
        _events.SetMask(10);
        XenSend(10);
        Assert.Equal(0, _cpu->Pending); // Xen raises nothing for a masked port
        XenSend(11);
        Assert.Equal(1, Dispatch());
        Assert.Equal(new uint[] { 11 }, t_delivered);
        Assert.True(_events.IsPending(10));
    }

    [Fact]
    public void Unmask_of_a_held_event_raises_the_upcall_and_it_is_delivered()
    {
        _events.SetMask(130);
        XenSend(130);
        Assert.True(_events.Unmask(130));
        Assert.Equal(1, _cpu->Pending);
        Assert.NotEqual(0UL, *_selector & (1UL << 2));
        Assert.Equal(1, Dispatch());
        Assert.Equal(new uint[] { 130 }, t_delivered);
    }

    [Fact]
    public void Unmask_without_a_held_event_owes_nothing()
    {
        _events.SetMask(5);
        Assert.False(_events.Unmask(5));
        Assert.Equal(0, _cpu->Pending);
        Assert.False(_events.IsMasked(5));
    }

    // A handler that sends again (to itself or another port) must see that event on a later pass:
    // pending is cleared before the handler runs, and the loop repeats while the upcall flag is set.
    [Fact]
    public void Event_raised_by_a_handler_is_delivered_in_the_same_dispatch()
    {
        int calls = 0;
        t_onDeliver = port =>
        {
            if (port != 7) return;
            calls++;
            if (calls == 1) { XenSend(100); XenSend(7); }
            if (calls == 2) XenSend(7);
        };
        XenSend(7);
        // Pass 1 took word 0 only; pass 2 sees words 0 and 1; pass 3 the last resend.
        Assert.Equal(4, Dispatch());
        Assert.Equal(new uint[] { 7, 7, 100, 7 }, t_delivered);
        Assert.Equal(0, _cpu->Pending);
    }

    // Random sends, masks and unmasks against a reference count: every send to a port that was not already
    // pending is delivered exactly once, never while masked.
    [Fact]
    public void Random_traffic_is_delivered_exactly_once()
    {
        const int seed = 20261124;
        var random = new Random(seed);
        var owed = new int[Words * 64];
        t_onDeliver = port =>
        {
            Assert.False(_events.IsMasked(port), $"seed {seed}: delivered masked port {port}");
            Assert.Equal(1, owed[port]);
            owed[port] = 0;
        };
        for (int step = 0; step < 20_000; step++)
        {
            uint port = (uint)random.Next(Words * 64);
            switch (random.Next(5))
            {
                case 0: _events.SetMask(port); break;
                case 1: _events.Unmask(port); break;
                case 2: Dispatch(); break;
                default:
                    if (!_events.IsPending(port)) owed[port] = 1;
                    XenSend(port);
                    break;
            }
        }
        for (uint port = 0; port < Words * 64; port++) _events.Unmask(port);
        Dispatch();
        Assert.All(owed, o => Assert.Equal(0, o));
    }
}
