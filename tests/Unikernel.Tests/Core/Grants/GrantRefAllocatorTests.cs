using System.Collections.Generic;
using System.Runtime.InteropServices;
using CsCheck;
using Unikernel.Core.Grants;

namespace Unikernel.Tests.Core.Grants;

public sealed unsafe class GrantRefAllocatorTests
{
    private const uint MaxRefs = 4 * 512; // four v1 frames

    private static GrantRefAllocator Make(ulong* bitmap, uint capacity) => new(bitmap, MaxRefs, capacity);

    [Fact]
    public void Refs_0_to_7_are_never_handed_out_and_a_full_table_says_exhausted()
    {
        ulong* bitmap = (ulong*)NativeMemory.AllocZeroed(MaxRefs / 8);
        try
        {
            var refs = Make(bitmap, 512);
            var seen = new HashSet<uint>();
            for (int i = 0; i < 512 - 8; i++)
            {
                Assert.Equal(GrantRefStatus.Ok, refs.Allocate(out uint r));
                Assert.InRange(r, 8u, 511u);
                Assert.True(seen.Add(r), $"ref {r} handed out twice");
            }
            Assert.Equal(GrantRefStatus.Exhausted, refs.Allocate(out _));
            Assert.Equal(0u, refs.FreeCount);
            Assert.Equal(GrantRefStatus.Reserved, refs.Free(1));
            Assert.Equal(GrantRefStatus.OutOfRange, refs.Free(512));
            // Growing by a frame makes its refs available.
            Assert.Equal(GrantRefStatus.Ok, refs.Grow(1024));
            Assert.Equal(GrantRefStatus.Ok, refs.Allocate(out uint next));
            Assert.InRange(next, 512u, 1023u);
            Assert.Equal(GrantRefStatus.TooLarge, refs.Grow(MaxRefs + 1));
        }
        finally { NativeMemory.Free(bitmap); }
    }

    [Fact]
    public void A_freed_ref_is_not_handed_out_again_at_once_and_a_double_free_is_refused()
    {
        ulong* bitmap = (ulong*)NativeMemory.AllocZeroed(MaxRefs / 8);
        try
        {
            var refs = Make(bitmap, 512);
            refs.Allocate(out uint a);
            Assert.Equal(GrantRefStatus.Ok, refs.Free(a));
            Assert.Equal(GrantRefStatus.NotAllocated, refs.Free(a));
            refs.Allocate(out uint b);
            Assert.NotEqual(a, b); // round-robin: a backend's late access to `a` does not hit a new grant
        }
        finally { NativeMemory.Free(bitmap); }
    }

    // Any sequence of allocate / free / grow agrees with a set model: no ref twice, none reserved, none
    // beyond capacity, exhausted exactly when the model is full, frees of anything else refused.
    [Fact]
    public void Any_sequence_of_operations_agrees_with_a_model()
    {
        var ops = Gen.Select(Gen.Int[0, 9], Gen.UInt[0, MaxRefs + 8]).Array[1, 400];
        Property.Check(Gen.Select(Gen.UInt[0, MaxRefs], ops), input =>
        {
            var (initial, steps) = input;
            ulong* bitmap = (ulong*)NativeMemory.AllocZeroed(MaxRefs / 8);
            try
            {
                var refs = Make(bitmap, initial);
                var model = new HashSet<uint>();
                uint capacity = initial;
                foreach (var (kind, value) in steps)
                {
                    if (kind < 6)
                    {
                        var status = refs.Allocate(out uint r);
                        uint room = capacity > 8 ? capacity - 8 : 0;
                        if (model.Count == room) { Assert.Equal(GrantRefStatus.Exhausted, status); continue; }
                        Assert.Equal(GrantRefStatus.Ok, status);
                        Assert.InRange(r, 8u, capacity - 1);
                        Assert.True(model.Add(r));
                    }
                    else if (kind < 9)
                    {
                        var status = refs.Free(value);
                        var expected = value < 8 ? GrantRefStatus.Reserved : value >= capacity ? GrantRefStatus.OutOfRange
                            : model.Remove(value) ? GrantRefStatus.Ok : GrantRefStatus.NotAllocated;
                        Assert.Equal(expected, status);
                    }
                    else
                    {
                        var status = refs.Grow(value);
                        Assert.Equal(value > MaxRefs ? GrantRefStatus.TooLarge : GrantRefStatus.Ok, status);
                        if (value <= MaxRefs && value > capacity) capacity = value;
                    }
                    Assert.Equal((uint)model.Count, refs.InUse);
                    Assert.Equal(capacity, refs.Capacity);
                }
            }
            finally { NativeMemory.Free(bitmap); }
        });
    }
}
