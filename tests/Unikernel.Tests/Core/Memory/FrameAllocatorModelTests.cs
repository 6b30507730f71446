using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Unikernel.Core.Memory;

namespace Unikernel.Tests.Core.Memory;

// Random alloc/free sequences against a plain set-based model of what must be free.
public unsafe class FrameAllocatorModelTests
{
    private const int BaseSeed = 424242;

    // Grants every request and remembers it, so the model can move those pages from unpopulated to free.
    private static ulong GrantAll(void* context, ulong start, ulong count)
    {
        var granted = (List<(ulong, ulong)>)GCHandle.FromIntPtr((IntPtr)context).Target!;
        granted.Add((start, count));
        return count;
    }

    [Fact]
    public void Random_operations_agree_with_a_model()
    {
        const ulong pages = 300, basePfn = 0x5000;
        ulong words = FrameAllocator.StorageWords(pages);
        var storage = (ulong*)NativeMemory.AllocZeroed((nuint)(words * 8));
        var granted = new List<(ulong start, ulong count)>();
        var handle = GCHandle.Alloc(granted);
        try
        {
            for (int round = 0; round < 200; round++)
            {
                int seed = BaseSeed + round;
                var random = new Random(seed);
                var allocator = new FrameAllocator(storage, words, basePfn, pages);
                var free = new SortedSet<ulong>();
                var allocated = new HashSet<ulong>();
                var unpopulated = new SortedSet<ulong>();
                // Free RAM, balloon space and holes in random stretches.
                for (ulong p = 0; p < pages;)
                {
                    ulong length = Math.Min(pages - p, (ulong)random.Next(1, 40));
                    int kind = random.Next(3);
                    if (kind == 0) { Assert.Equal(FrameStatus.Ok, allocator.AddFree(basePfn + p, length)); for (ulong k = 0; k < length; k++) free.Add(basePfn + p + k); }
                    if (kind == 1) { Assert.Equal(FrameStatus.Ok, allocator.AddUnpopulated(basePfn + p, length)); for (ulong k = 0; k < length; k++) unpopulated.Add(basePfn + p + k); }
                    p += length;
                }
                ulong budget = (ulong)random.Next(0, 100);
                allocator.SetPopulateHook(&GrantAll, (void*)GCHandle.ToIntPtr(handle), budget);
                void TakeGranted(string where)
                {
                    foreach (var (start, count) in granted)
                        for (ulong k = 0; k < count; k++) Assert.True(unpopulated.Remove(start + k) && free.Add(start + k), where);
                    granted.Clear();
                }

                for (int step = 0; step < 300; step++)
                {
                    string where = $"seed {seed} step {step}";
                    int op = random.Next(4);
                    if (op == 0)
                    {
                        var status = allocator.Allocate(out ulong pfn);
                        TakeGranted(where);
                        if (status == FrameStatus.Ok)
                        {
                            Assert.True(free.Count > 0 && pfn == free.Min, where); // first fit
                            free.Remove(pfn);
                            allocated.Add(pfn);
                        }
                        else Assert.True(free.Count == 0 && (allocator.PopulateBudget == 0 || unpopulated.Count == 0), where);
                    }
                    else if (op == 1)
                    {
                        ulong count = (ulong)random.Next(1, 12);
                        var status = allocator.AllocateRun(count, out ulong start);
                        TakeGranted(where);
                        if (status == FrameStatus.Ok)
                            for (ulong k = 0; k < count; k++)
                            {
                                Assert.True(free.Remove(start + k), where);
                                allocated.Add(start + k);
                            }
                        else Assert.Equal(FrameStatus.OutOfMemory, status);
                    }
                    else if (op == 2 && allocated.Count > 0)
                    {
                        ulong pfn = allocated.ElementAt(random.Next(allocated.Count));
                        Assert.Equal(FrameStatus.Ok, allocator.Free(pfn));
                        allocated.Remove(pfn);
                        free.Add(pfn);
                    }
                    else
                    {
                        ulong pfn = basePfn + (ulong)random.Next(-5, (int)pages + 5);
                        FrameStatus expected = pfn < basePfn || pfn >= basePfn + pages ? FrameStatus.OutOfRange
                            : allocated.Contains(pfn) ? FrameStatus.Ok
                            : free.Contains(pfn) ? FrameStatus.DoubleFree
                            : FrameStatus.NotOwned;
                        Assert.Equal(expected, allocator.Free(pfn));
                        if (expected == FrameStatus.Ok) { allocated.Remove(pfn); free.Add(pfn); }
                    }
                    Assert.Equal((ulong)free.Count, allocator.FreePages);
                    Assert.True(allocator.PopulatedPages <= budget, where);
                    Assert.Equal(budget, allocator.PopulatedPages + allocator.PopulateBudget);
                }
            }
        }
        finally
        {
            handle.Free();
            NativeMemory.Free(storage);
        }
    }
}
