using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Unikernel.Core.Batching;

namespace Unikernel.Bench;

// Cost per queued request of the batch queue's bookkeeping, for lazy sections of BatchSize requests
// each, against an issuer that does nothing. Results are per request (OperationsPerInvoke).
[MemoryDiagnoser]
public unsafe class BatchQueueBenchmarks
{
    private const int Requests = 1024;
    private const ulong PlainOp = 1;
    private const ulong ArrayOp = 2; // one 8-byte element per request, count in Args[1] (mmu_update's shape)

    private BatchStorage* _storage;
    private BatchQueue _queue;

    [Params(1, 2, 4, 8, 16, 32)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _storage = (BatchStorage*)NativeMemory.AllocZeroed((nuint)sizeof(BatchStorage));
        _queue = new BatchQueue(_storage, NullIssuer.Issuer, NullIssuer.Reporter);
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.Free(_storage);

    // Requests with immediate arguments only, one entry each.
    [Benchmark(OperationsPerInvoke = Requests)]
    public void QueueAndFlush()
    {
        Span<ulong> args = stackalloc ulong[3];
        for (int done = 0; done < Requests; done += BatchSize)
        {
            _queue.EnterLazy();
            for (int i = 0; i < BatchSize; i++)
            {
                args[0] = (ulong)i;
                _queue.Queue(PlainOp, args);
            }
            _queue.LeaveLazy();
        }
    }

    // Array requests, each in an entry of its own.
    [Benchmark(OperationsPerInvoke = Requests)]
    public void ArrayRequestsSeparate()
    {
        for (int done = 0; done < Requests; done += BatchSize)
        {
            _queue.EnterLazy();
            for (int i = 0; i < BatchSize; i++) QueueArrayRequest((ulong)i);
            _queue.LeaveLazy();
        }
    }

    // Array requests merged into the previous entry whenever possible.
    [Benchmark(OperationsPerInvoke = Requests)]
    public void ArrayRequestsCoalesced()
    {
        for (int done = 0; done < Requests; done += BatchSize)
        {
            _queue.EnterLazy();
            for (int i = 0; i < BatchSize; i++)
            {
                if (_queue.TryExtendLast(ArrayOp, sizeof(ulong), 1, out void* more)) *(ulong*)more = (ulong)i;
                else QueueArrayRequest((ulong)i);
            }
            _queue.LeaveLazy();
        }
    }

    private void QueueArrayRequest(ulong element)
    {
        _queue.Reserve(ArrayOp, sizeof(ulong), out BatchEntry* entry, out void* args);
        *(ulong*)args = element;
        entry->Args[0] = (ulong)args;
        entry->Args[1] = 1;
        _queue.Issue();
    }
}
