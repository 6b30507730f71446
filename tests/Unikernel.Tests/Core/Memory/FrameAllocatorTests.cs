using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

public unsafe class FrameAllocatorTests : IDisposable
{
    private readonly List<IntPtr> _buffers = new();

    public void Dispose()
    {
        foreach (var buffer in _buffers) NativeMemory.Free((void*)buffer);
    }

    private FrameAllocator Create(ulong basePfn, ulong pages)
    {
        ulong words = FrameAllocator.StorageWords(pages);
        var storage = (ulong*)NativeMemory.Alloc((nuint)(words * 8));
        new Span<ulong>(storage, (int)words).Fill(ulong.MaxValue); // garbage: the allocator writes words before it reads them
        _buffers.Add((IntPtr)storage);
        return new FrameAllocator(storage, words, basePfn, pages);
    }

    // What the fake populate_physmap was asked for, and how many pages it agrees to give per call.
    private sealed class Balloon
    {
        public readonly List<(ulong start, ulong count)> Calls = new();
        public ulong Grant = ulong.MaxValue;
    }

    private static ulong Populate(void* context, ulong start, ulong count)
    {
        var balloon = (Balloon)GCHandle.FromIntPtr((IntPtr)context).Target!;
        balloon.Calls.Add((start, count));
        return Math.Min(count, balloon.Grant);
    }

    private static void Hook(ref FrameAllocator allocator, Balloon balloon, ulong budget, List<GCHandle> handles)
    {
        var handle = GCHandle.Alloc(balloon);
        handles.Add(handle);
        allocator.SetPopulateHook(&Populate, (void*)GCHandle.ToIntPtr(handle), budget);
    }

    [Fact]
    public void Allocates_every_free_page_once_then_runs_out()
    {
        var allocator = Create(0x100, 200);
        Assert.Equal(FrameStatus.Ok, allocator.AddFree(0x100, 50));
        Assert.Equal(FrameStatus.Ok, allocator.AddFree(0x180, 70)); // a hole between
        Assert.Equal(120UL, allocator.FreePages);
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 120; i++)
        {
            Assert.Equal(FrameStatus.Ok, allocator.Allocate(out ulong pfn));
            Assert.True(seen.Add(pfn));
            Assert.True((pfn >= 0x100 && pfn < 0x132) || (pfn >= 0x180 && pfn < 0x1c6), $"pfn {pfn:x} outside the free ranges");
        }
        Assert.Equal(FrameStatus.OutOfMemory, allocator.Allocate(out _));
        Assert.Equal(0UL, allocator.FreePages);

        foreach (ulong pfn in seen) Assert.Equal(FrameStatus.Ok, allocator.Free(pfn));
        Assert.Equal(120UL, allocator.FreePages);
        Assert.Equal(FrameStatus.Ok, allocator.Allocate(out ulong first));
        Assert.Equal(0x100UL, first); // first fit
    }

    [Fact]
    public void Runs_are_contiguous_first_fit_and_skip_holes()
    {
        var allocator = Create(0, 256);
        allocator.AddFree(0, 10);
        allocator.AddFree(20, 100);
        Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(8, out ulong a));
        Assert.Equal(0UL, a);
        Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(8, out ulong b));
        Assert.Equal(20UL, b); // 8-9 are only two pages
        Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(2, out ulong c));
        Assert.Equal(8UL, c);
        Assert.Equal(FrameStatus.OutOfMemory, allocator.AllocateRun(93, out _));
        Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(92, out ulong d));
        Assert.Equal(28UL, d);
        Assert.Equal(0UL, allocator.FreePages);
        Assert.Equal(FrameStatus.Ok, allocator.FreeRun(b, 8));
        Assert.Equal(FrameStatus.InvalidCount, allocator.AllocateRun(0, out _));
        Assert.Equal(8UL, allocator.FreePages);
    }

    [Fact]
    public void Bad_frees_are_detected_and_change_nothing()
    {
        var allocator = Create(0x1000, 64);
        allocator.AddFree(0x1000, 16);
        allocator.AddUnpopulated(0x1020, 16);
        Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(4, out ulong run));
        Assert.Equal(FrameStatus.Ok, allocator.Free(run));
        Assert.Equal(FrameStatus.DoubleFree, allocator.Free(run));
        Assert.Equal(FrameStatus.DoubleFree, allocator.FreeRun(run, 4)); // partly free: nothing may change
        Assert.True(!allocator.IsFree(run + 1));
        Assert.Equal(FrameStatus.OutOfRange, allocator.Free(0xfff));
        Assert.Equal(FrameStatus.OutOfRange, allocator.Free(0x1040));
        Assert.Equal(FrameStatus.OutOfRange, allocator.FreeRun(0x103f, 2));
        Assert.Equal(FrameStatus.NotOwned, allocator.Free(0x1010)); // a hole
        Assert.Equal(FrameStatus.NotOwned, allocator.Free(0x1020)); // not populated yet
        Assert.Equal(13UL, allocator.FreePages);
        Assert.Equal(FrameStatus.AlreadyAdded, allocator.AddFree(0x100f, 2));
        Assert.Equal(FrameStatus.AlreadyAdded, allocator.AddFree(0x1020, 1));
    }

    [Fact]
    public void Populates_when_empty_within_the_budget()
    {
        var handles = new List<GCHandle>();
        try
        {
            var allocator = Create(0, 1024);
            allocator.AddFree(0, 2);
            allocator.AddUnpopulated(512, 512);
            var balloon = new Balloon();
            Hook(ref allocator, balloon, budget: 100, handles);

            var pfns = new List<ulong>();
            while (allocator.Allocate(out ulong pfn) == FrameStatus.Ok) pfns.Add(pfn);
            Assert.Equal(102, pfns.Count);
            Assert.Equal(100UL, allocator.PopulatedPages);
            Assert.Equal(0UL, allocator.PopulateBudget);
            Assert.Equal(new[] { (512UL, FrameAllocator.PopulateBatch), (512UL + FrameAllocator.PopulateBatch, 100UL - FrameAllocator.PopulateBatch) }, balloon.Calls);
            Assert.Equal(611UL, pfns[^1]);
            Assert.Equal(2, balloon.Calls.Count); // never asked again once the budget is spent
        }
        finally { foreach (var h in handles) h.Free(); }
    }

    [Fact]
    public void Runs_populate_only_the_missing_pages()
    {
        var handles = new List<GCHandle>();
        try
        {
            var allocator = Create(0, 64);
            allocator.AddFree(0, 4);
            allocator.AddUnpopulated(4, 60);
            var balloon = new Balloon();
            Hook(ref allocator, balloon, budget: 10, handles);
            Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(12, out ulong start));
            Assert.Equal(0UL, start);
            Assert.Equal(new[] { (4UL, 8UL) }, balloon.Calls);
            Assert.Equal(FrameStatus.OutOfMemory, allocator.AllocateRun(3, out _)); // 2 pages of budget left
            Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(2, out ulong next));
            Assert.Equal(12UL, next);
            Assert.Equal(10UL, allocator.PopulatedPages);
        }
        finally { foreach (var h in handles) h.Free(); }
    }

    [Fact]
    public void A_stingy_hypervisor_is_handled()
    {
        var handles = new List<GCHandle>();
        try
        {
            var allocator = Create(0, 64);
            allocator.AddUnpopulated(0, 64);
            var balloon = new Balloon { Grant = 0 };
            Hook(ref allocator, balloon, budget: 64, handles);
            Assert.Equal(FrameStatus.OutOfMemory, allocator.Allocate(out _));
            Assert.Equal(FrameStatus.OutOfMemory, allocator.AllocateRun(4, out _));
            balloon.Grant = 2;
            Assert.Equal(FrameStatus.OutOfMemory, allocator.AllocateRun(4, out _)); // got 2 of 4
            Assert.Equal(2UL, allocator.FreePages);
            Assert.Equal(FrameStatus.Ok, allocator.AllocateRun(2, out ulong start));
            Assert.Equal(0UL, start);
        }
        finally { foreach (var h in handles) h.Free(); }
    }

    [Fact]
    public void Without_a_hook_unpopulated_pages_stay_out_of_reach()
    {
        var allocator = Create(0, 64);
        allocator.AddUnpopulated(0, 64);
        Assert.Equal(FrameStatus.OutOfMemory, allocator.Allocate(out _));
        Assert.Equal(FrameStatus.OutOfMemory, allocator.AllocateRun(1, out _));
    }

    [Fact]
    public void Too_small_storage_is_a_programming_error()
    {
        var storage = (IntPtr)NativeMemory.Alloc(8);
        _buffers.Add(storage);
        Assert.Throws<ArgumentException>(() => new FrameAllocator((ulong*)storage, 1, 0, 64));
    }

    // Boot's lazily mapped RAM: the bitmaps are written when first needed, each block's first page is kept
    // out (a leaf table), and the counts are right before anything is written.
    [Fact]
    public void Runs_added_keeping_donors_hand_out_everything_else()
    {
        var allocator = Create(0, 8 * FrameAllocator.BlockPages);
        Assert.Equal(FrameStatus.Ok, allocator.AddFree(1, 100));
        Assert.Equal(FrameStatus.Ok, allocator.AddFreeKeepingDonors(1024, 1000, out ulong donors));
        Assert.Equal(2UL, donors); // blocks 2 and 3
        Assert.Equal(FrameStatus.Ok, allocator.AddFreeKeepingDonors(2100, 500, out donors));
        Assert.Equal(2UL, donors); // blocks 4 (its first RAM page, 2100) and 5
        Assert.Equal(FrameStatus.Ok, allocator.AddFreeKeepingDonors(2600, 10, out donors));
        Assert.Equal(0UL, donors); // block 5 has its donor
        Assert.Equal(FrameStatus.Ok, allocator.AddUnpopulated(3500, 100));
        Assert.Equal(FrameStatus.AlreadyAdded, allocator.AddFree(1500, 10));
        Assert.Equal(FrameStatus.InvalidCount, allocator.AddFreeKeepingDonors(1000, 10, out _)); // out of order
        ulong expected = 100 + 1000 - 2 + 500 - 2 + 10;
        Assert.Equal(expected, allocator.FreePages);
        Assert.False(allocator.FullyInitialized);
        Assert.False(allocator.IsFree(1536));
        Assert.True(allocator.IsFree(1537));
        var handed = new HashSet<ulong>();
        while (allocator.Allocate(out ulong pfn) == FrameStatus.Ok) Assert.True(handed.Add(pfn));
        Assert.Equal((int)expected, handed.Count);
        foreach (ulong donor in new ulong[] { 1024, 1536, 2100, 2560 }) Assert.DoesNotContain(donor, handed);
        Assert.Equal(0UL, allocator.FreePages);
        while (allocator.InitializeSome(1)) { }
        Assert.True(allocator.FullyInitialized);
        foreach (ulong pfn in handed) Assert.Equal(FrameStatus.Ok, allocator.Free(pfn));
        Assert.Equal(expected, allocator.FreePages);
    }

    // Random ranges in address order, some keeping donors, more of them than the allocator keeps pending, the
    // bitmaps written now and then: every pfn reads as a model says, and exactly the model's pages come out.
    [Fact]
    public void Deferred_bitmaps_agree_with_a_model()
    {
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            ulong pages = (ulong)random.Next(1, 12) * FrameAllocator.BlockPages + (ulong)random.Next(0, 600);
            var allocator = Create(0, pages);
            var free = new HashSet<ulong>();
            var unpopulated = new HashSet<ulong>();
            ulong lastDonorBlock = ulong.MaxValue, expectedDonors = 0, reportedDonors = 0;
            for (ulong p = (ulong)random.Next(0, 300); p < pages;)
            {
                ulong length = Math.Min(pages - p, (ulong)random.Next(1, random.Next(2) == 0 ? 40 : 900));
                switch (random.Next(4))
                {
                    case 0:
                        Assert.Equal(FrameStatus.Ok, allocator.AddFree(p, length));
                        for (ulong k = 0; k < length; k++) free.Add(p + k);
                        break;
                    case 1:
                        Assert.Equal(FrameStatus.Ok, allocator.AddFreeKeepingDonors(p, length, out ulong donors));
                        reportedDonors += donors;
                        for (ulong k = 0; k < length; k++)
                        {
                            ulong block = (p + k) / FrameAllocator.BlockPages;
                            if (block != lastDonorBlock) { lastDonorBlock = block; expectedDonors++; continue; }
                            free.Add(p + k);
                        }
                        break;
                    case 2:
                        Assert.Equal(FrameStatus.Ok, allocator.AddUnpopulated(p, length));
                        for (ulong k = 0; k < length; k++) unpopulated.Add(p + k);
                        break;
                }
                if (random.Next(8) == 0) allocator.InitializeSome((ulong)random.Next(1, 3));
                p += length + (ulong)random.Next(0, 3);
            }
            Assert.Equal(expectedDonors, reportedDonors);
            Assert.Equal((ulong)free.Count, allocator.FreePages);
            for (ulong pfn = 0; pfn < pages; pfn += (ulong)random.Next(1, 50)) Assert.Equal(free.Contains(pfn), allocator.IsFree(pfn));
            var handed = new HashSet<ulong>();
            while (allocator.Allocate(out ulong pfn) == FrameStatus.Ok) Assert.True(handed.Add(pfn), $"seed {seed}");
            Assert.True(handed.SetEquals(free), $"seed {seed}");
            foreach (ulong pfn in unpopulated.Take(5)) Assert.Equal(FrameStatus.NotOwned, allocator.Free(pfn));
        }
    }
}
