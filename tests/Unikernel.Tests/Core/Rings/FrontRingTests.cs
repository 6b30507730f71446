using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using CsCheck;
using Unikernel.Core.Rings;

namespace Unikernel.Tests.Core.Rings;

// The frontend ring against a model backend that follows io/ring.h's backend macros (it consumes requests,
// publishes responses with their notify check, and asks for an event before it sleeps).
public sealed unsafe class FrontRingTests
{
    private const uint Page = 4096, Entry = 112; // sizeof(union blkif_sring_entry) on x86_64

    [Theory]
    [InlineData(112u, 32u)]   // blkif
    [InlineData(12u, 256u)]   // netif tx (netif_tx_request)
    [InlineData(8u, 256u)]    // netif rx (netif_rx_request)
    [InlineData(4033u, 0u)]   // does not fit
    public void Entry_count_is_rounded_down_to_a_power_of_two(uint entry, uint expected) =>
        Assert.Equal(expected, FrontRing.EntryCount(Page, entry));

    [Fact]
    public void The_notify_test_is_whether_the_event_index_lies_in_the_new_range()
    {
        Assert.True(FrontRing.Notify(now: 3, old: 2, eventIndex: 3));
        Assert.False(FrontRing.Notify(now: 3, old: 2, eventIndex: 2));
        Assert.False(FrontRing.Notify(now: 3, old: 2, eventIndex: 4));
        Assert.True(FrontRing.Notify(now: 1, old: uint.MaxValue, eventIndex: 0)); // across the wrap
    }

    private sealed class Backend(byte* page, uint size)
    {
        public uint ReqCons, RspProdPvt;
        public bool Sleeping = true; // waits for our event
        private uint* H => (uint*)page;

        // Consumes up to n requests and answers each with its id; returns whether it notified us.
        public bool Work(int n, Queue<ulong> answered)
        {
            uint reqProd = H[0];
            int done = 0;
            while (ReqCons != reqProd && done < n)
            {
                ulong id = *(ulong*)(page + 64 + (ReqCons & (size - 1)) * Entry + 8);
                ReqCons++;
                *(ulong*)(page + 64 + (RspProdPvt & (size - 1)) * Entry) = id;
                RspProdPvt++;
                answered.Enqueue(id);
                done++;
            }
            uint old = H[2];
            H[2] = RspProdPvt;
            bool notify = FrontRing.Notify(RspProdPvt, old, H[3]);
            // RING_FINAL_CHECK_FOR_REQUESTS before sleeping.
            if (ReqCons == H[0]) { H[1] = ReqCons + 1; Sleeping = ReqCons == H[0]; }
            return notify;
        }
    }

    [Fact]
    public void Requests_and_responses_keep_order_and_no_wakeup_is_lost()
    {
        var steps = Gen.Select(Gen.Int[0, 3], Gen.Int[1, 40]).Array[1, 300];
        Property.Check(steps, input =>
        {
            byte* page = (byte*)NativeMemory.AllocZeroed(Page);
            try
            {
                FrontRing.InitShared(page);
                var ring = new FrontRing(page, Page, Entry);
                var backend = new Backend(page, ring.Size);
                var answered = new Queue<ulong>();
                ulong nextId = 0, nextExpected = 0;
                bool frontendWoken = true;
                foreach (var (kind, count) in input)
                {
                    if (kind == 0 || kind == 1)
                    {
                        for (int i = 0; i < count; i++)
                        {
                            byte* slot = ring.NextRequest();
                            if (slot == null) { Assert.True(ring.IsFull); break; }
                            *(ulong*)(slot + 8) = nextId++;
                            ring.Produce();
                        }
                        bool notify = ring.PushRequests();
                        // A sleeping backend with requests waiting must be told.
                        if (backend.Sleeping && backend.ReqCons != ring.RequestsProduced) Assert.True(notify, "a wakeup of the backend was lost");
                        if (notify) backend.Sleeping = false;
                    }
                    else if (kind == 2)
                    {
                        if (backend.Work(count, answered)) frontendWoken = true;
                    }
                    else
                    {
                        // The frontend takes responses only when woken, then sleeps after the final check.
                        if (!frontendWoken) continue;
                        while (ring.UnconsumedResponses > 0)
                        {
                            Assert.Equal(nextExpected++, *(ulong*)ring.PeekResponse());
                            ring.ConsumeResponse();
                        }
                        frontendWoken = ring.FinalCheckForResponses() != 0;
                    }
                    Assert.InRange(ring.Outstanding, 0u, ring.Size);
                }
                // Drain: whatever is left arrives, in order, without a lost event.
                for (int round = 0; round < 100 && nextExpected < nextId; round++)
                {
                    ring.PushRequests();
                    if (backend.Work(int.MaxValue, answered)) frontendWoken = true;
                    Assert.True(frontendWoken || ring.UnconsumedResponses == 0, "responses waiting but no event asked for");
                    while (ring.UnconsumedResponses > 0)
                    {
                        Assert.Equal(nextExpected++, *(ulong*)ring.PeekResponse());
                        ring.ConsumeResponse();
                    }
                    frontendWoken = ring.FinalCheckForResponses() != 0;
                }
                Assert.Equal(nextId, nextExpected);
            }
            finally { NativeMemory.Free(page); }
        });
    }

    [Fact]
    public void A_response_index_beyond_the_requests_made_marks_the_ring_corrupt()
    {
        byte* page = (byte*)NativeMemory.AllocZeroed(Page);
        try
        {
            FrontRing.InitShared(page);
            var ring = new FrontRing(page, Page, Entry);
            ring.NextRequest();
            ring.Produce();
            ring.PushRequests();
            ((uint*)page)[2] = 2; // rsp_prod claims two responses to one request
            Assert.Equal(-1, ring.UnconsumedResponses);
            ((uint*)page)[2] = 1;
            Assert.Equal(1, ring.UnconsumedResponses);
        }
        finally { NativeMemory.Free(page); }
    }
}
