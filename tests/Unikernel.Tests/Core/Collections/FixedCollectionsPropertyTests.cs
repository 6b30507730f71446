using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using CsCheck;
using Unikernel.Core.Collections;

namespace Unikernel.Tests.Core.Collections;

// The fixed-capacity collections behind Unikernel.FixedList/FixedQueue/FixedMap against .NET's List, Queue
// and Dictionary, under random operations with a random capacity: the same answers, the same contents, and
// "full" exactly when the model holds Capacity items. Keys come from a small range so that probes collide and
// removal shifts entries back.
public unsafe class FixedCollectionsPropertyTests
{
    private static readonly Gen<(int Capacity, (int Op, int Value)[] Ops)> Runs =
        Gen.Select(Gen.Int[0, 40], Gen.Select(Gen.Int[0, 5], Gen.Int[0, 60]).Array[0, 300]);

    [Fact]
    public void List_matches_list_of_dotnet() => Property.Check(Runs, run =>
    {
        void* memory = NativeMemory.Alloc((nuint)ListBlock<int>.BytesFor(run.Capacity));
        try
        {
            var list = new ListBlock<int>(memory, run.Capacity);
            var model = new List<int>();
            foreach (var (op, value) in run.Ops)
            {
                switch (op)
                {
                    case 0: case 1:
                        Assert.Equal(model.Count < run.Capacity, list.TryAdd(value));
                        if (model.Count < run.Capacity) model.Add(value);
                        break;
                    case 2:
                        int at = value % (model.Count + 2);
                        bool fits = model.Count < run.Capacity && at <= model.Count;
                        Assert.Equal(fits, list.TryInsert(at, value));
                        if (fits) model.Insert(at, value);
                        break;
                    case 3: case 4:
                        int index = value % (model.Count + 1);
                        Assert.Equal(index < model.Count, list.RemoveAt(index));
                        if (index < model.Count) model.RemoveAt(index);
                        break;
                    default:
                        if (value % 10 == 0) { list.Clear(); model.Clear(); }
                        break;
                }
                Assert.Equal(model, list.AsSpan().ToArray());
                Assert.Equal(model.Count == run.Capacity, list.Header.IsFull);
            }
        }
        finally { NativeMemory.Free(memory); }
    });

    [Fact]
    public void Queue_matches_queue_of_dotnet() => Property.Check(Runs, run =>
    {
        void* memory = NativeMemory.Alloc((nuint)RingBlock<long>.BytesFor(run.Capacity));
        try
        {
            var queue = new RingBlock<long>(memory, run.Capacity);
            var model = new Queue<long>();
            foreach (var (op, value) in run.Ops)
            {
                if (op <= 2)
                {
                    Assert.Equal(model.Count < run.Capacity, queue.TryEnqueue(value));
                    if (model.Count < run.Capacity) model.Enqueue(value);
                }
                else if (op <= 4)
                {
                    Assert.Equal(model.TryPeek(out long peeked), queue.TryPeek(out long got));
                    Assert.Equal(peeked, got);
                    Assert.Equal(model.TryDequeue(out long expected), queue.TryDequeue(out got));
                    Assert.Equal(expected, got);
                }
                else if (value % 10 == 0) { queue.Clear(); model.Clear(); }
                Assert.Equal(model.Count, queue.Header.Count);
            }
            var rest = new List<long>();
            while (queue.TryDequeue(out long item)) rest.Add(item);
            Assert.Equal(model, rest);
        }
        finally { NativeMemory.Free(memory); }
    });

    [Fact]
    public void Map_matches_dictionary_of_dotnet() => Property.Check(Runs, run =>
    {
        void* memory = NativeMemory.Alloc((nuint)HashBlock<int, long>.BytesFor(run.Capacity));
        try
        {
            var map = new HashBlock<int, long>(memory, run.Capacity);
            var model = new Dictionary<int, long>();
            foreach (var (op, value) in run.Ops)
            {
                int key = value % 48;
                if (op <= 2)
                {
                    bool fits = model.ContainsKey(key) || model.Count < run.Capacity;
                    Assert.Equal(fits, map.TrySet(key, value * 1000L + op));
                    if (fits) model[key] = value * 1000L + op;
                }
                else if (op <= 4) Assert.Equal(model.Remove(key), map.Remove(key));
                else if (value % 20 == 0) { map.Clear(); model.Clear(); }
                Assert.Equal(model.Count, map.Header.Count);
                for (int k = 0; k < 48; k++)
                {
                    Assert.Equal(model.TryGetValue(k, out long expected), map.TryGetValue(k, out long got));
                    Assert.Equal(expected, got);
                }
            }
            var walked = new Dictionary<int, long>();
            for (int position = 0; map.TryGetNext(ref position, out int key, out long value);) walked.Add(key, value);
            Assert.Equal(model.OrderBy(e => e.Key), walked.OrderBy(e => e.Key));
        }
        finally { NativeMemory.Free(memory); }
    });

    // Keys of 12 bytes: hashed eight bytes at a time plus a tail.
    [Fact]
    public void Map_with_wide_keys_finds_what_it_holds()
    {
        void* memory = NativeMemory.Alloc((nuint)HashBlock<(int, int, int), int>.BytesFor(100));
        try
        {
            var map = new HashBlock<(int, int, int), int>(memory, 100);
            for (int i = 0; i < 100; i++) Assert.True(map.TrySet((i, -i, i * 7), i));
            Assert.False(map.TrySet((1000, 0, 0), 1));
            for (int i = 0; i < 100; i += 2) Assert.True(map.Remove((i, -i, i * 7)));
            for (int i = 0; i < 100; i++) Assert.Equal(i % 2 == 1, map.TryGetValue((i, -i, i * 7), out int v) && v == i);
        }
        finally { NativeMemory.Free(memory); }
    }
}
