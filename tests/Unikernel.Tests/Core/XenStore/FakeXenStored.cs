using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Unikernel.Core.XenStore;

namespace Unikernel.Tests.Core.XenStore;

// xenstored's side of a shared page in memory, for one thread: it takes requests off the request ring and
// feeds a response stream into the response ring in pieces of random size whenever the client signals or
// waits. The page and the client sit between guard bytes that must stay untouched.
internal sealed unsafe class FakeXenStored : IDisposable
{
    public const int RingSize = (int)XenStoreInterface.RingSize;
    private const int GuardBytes = 64;
    private const byte GuardValue = 0xA5;
    private const int MaxTransportCalls = 1_000_000;

    [ThreadStatic] private static FakeXenStored? t_current;

    private readonly byte* _block;
    private readonly Random _random;
    private readonly int _maxChunk;
    private readonly uint _responseStart;
    private readonly List<byte> _stream = new();   // everything ever queued for the response ring
    private int _delivered;
    private readonly byte[] _request = new byte[2 * (16 + (int)XenStoreHeader.PayloadMax)];
    private int _requestFill;
    private int _calls;
    private readonly bool _strict;

    // strict: the request ring must carry well-formed requests only (else the ring was tampered with, and
    // what it holds is dropped).
    public FakeXenStored(int seed, int maxChunk, uint requestStart, uint responseStart, bool strict)
    {
        _strict = strict;
        if (t_current != null) throw new InvalidOperationException("one fake xenstored per thread");
        int size = GuardBytes + sizeof(XenStoreInterface) + GuardBytes + sizeof(GuardedClient);
        _block = (byte*)NativeMemory.AllocZeroed((nuint)size);
        new Span<byte>(_block, GuardBytes).Fill(GuardValue);
        new Span<byte>(_block + GuardBytes + sizeof(XenStoreInterface), GuardBytes).Fill(GuardValue);
        Page->ReqCons = Page->ReqProd = requestStart;
        Page->RspCons = Page->RspProd = responseStart;
        _responseStart = responseStart;
        _random = new Random(seed);
        _maxChunk = maxChunk;
        ((Span<byte>)Guarded->Before).Fill(GuardValue);
        ((Span<byte>)Guarded->After).Fill(GuardValue);
        Guarded->Client = new XenStoreClient(Page, new XenStoreTransport { Notify = &OnNotify, Wait = &OnWait });
        t_current = this;
    }

    public XenStoreInterface* Page => (XenStoreInterface*)(_block + GuardBytes);
    private GuardedClient* Guarded => (GuardedClient*)(_block + GuardBytes + sizeof(XenStoreInterface) + GuardBytes);
    public ref XenStoreClient Client => ref Guarded->Client;

    // Called with each whole request taken off the ring; what it returns follows in the response stream.
    public Func<XenStoreHeader, byte[], byte[]?>? Answer { get; set; }
    public List<(XenStoreHeader Header, byte[] Payload)> Requests { get; } = new();

    public int Queued => _stream.Count;
    public int Undelivered => _stream.Count - _delivered;
    // Response bytes the client has consumed (the stream is far shorter than 2^32).
    public int Consumed => (int)(Page->RspCons - _responseStart);

    public void Queue(ReadOnlySpan<byte> bytes) => _stream.AddRange(bytes);

    // Puts up to max queued bytes into the response ring (none if its indices are inconsistent).
    public int Deliver(int max)
    {
        uint producer = Page->RspProd, used = producer - Page->RspCons;
        if (used > RingSize) return 0;
        int n = Math.Min(Math.Min(max, RingSize - (int)used), Undelivered);
        ReadOnlySpan<byte> bytes = CollectionsMarshal.AsSpan(_stream).Slice(_delivered, n);
        for (int i = 0; i < n; i++) Page->Rsp[(producer + (uint)i) & (RingSize - 1)] = bytes[i];
        Page->RspProd = producer + (uint)n;
        _delivered += n;
        return n;
    }

    // A piece of random size up to the scenario's largest (perhaps nothing, unless atLeastOne).
    public int DeliverSome(bool atLeastOne = false)
    {
        int n = _random.Next(0, _maxChunk + 1);
        return Deliver(atLeastOne ? Math.Max(1, n) : n);
    }

    public void CheckGuards()
    {
        Assert.True(AllGuard(new ReadOnlySpan<byte>(_block, GuardBytes)), "written below the shared page");
        Assert.True(AllGuard(new ReadOnlySpan<byte>(_block + GuardBytes + sizeof(XenStoreInterface), GuardBytes)), "written above the shared page");
        Assert.True(AllGuard(Guarded->Before), "written below the client");
        Assert.True(AllGuard(Guarded->After), "written above the client");
    }

    private static bool AllGuard(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept(GuardValue);

    public void Dispose()
    {
        t_current = null;
        NativeMemory.Free(_block);
    }

    private static void OnNotify()
    {
        var server = Current();
        server.TakeRequests();
        server.DeliverSome();
    }

    // Room for requests is made at once. Waiting for a response returns at once if the ring has bytes (as
    // the platform's wait does), else when some arrive; false when none ever will.
    private static bool OnWait(bool forSpace)
    {
        var server = Current();
        server.TakeRequests();
        if (forSpace || server.Page->RspProd != server.Page->RspCons) return true;
        return server.DeliverSome(atLeastOne: true) > 0;
    }

    private static FakeXenStored Current()
    {
        var server = t_current ?? throw new InvalidOperationException("no fake xenstored on this thread");
        if (++server._calls > MaxTransportCalls) throw new InvalidOperationException("the client keeps signalling or waiting without progress");
        return server;
    }

    private void TakeRequests()
    {
        uint consumer = Page->ReqCons, used = Page->ReqProd - consumer;
        if (used > RingSize) return;
        if (_requestFill + (int)used > _request.Length)
        {
            if (_strict) throw new InvalidOperationException("the client sent more than a request");
            _requestFill = 0;
        }
        for (uint i = 0; i < used; i++) _request[_requestFill++] = Page->Req[(consumer + i) & (RingSize - 1)];
        Page->ReqCons = consumer + used;
        while (_requestFill >= 16)
        {
            XenStoreHeader header = MemoryMarshal.Read<XenStoreHeader>(_request);
            if (header.Length > XenStoreHeader.PayloadMax)
            {
                if (_strict) throw new InvalidOperationException("the client sent an oversized request");
                _requestFill = 0;
                return;
            }
            int whole = 16 + (int)header.Length;
            if (_requestFill < whole) return;
            byte[] payload = _request.AsSpan(16, (int)header.Length).ToArray();
            Requests.Add((header, payload));
            _request.AsSpan(whole, _requestFill - whole).CopyTo(_request);
            _requestFill -= whole;
            byte[]? answer = Answer?.Invoke(header, payload);
            if (answer != null) Queue(answer);
        }
    }

    public static byte[] Message(uint type, uint id, uint transaction, uint length, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[16 + payload.Length];
        var header = new XenStoreHeader { Type = type, RequestId = id, TransactionId = transaction, Length = length };
        MemoryMarshal.Write(bytes, in header);
        payload.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    public static byte[] Message(uint type, uint id, ReadOnlySpan<byte> payload) => Message(type, id, 0, (uint)payload.Length, payload);

    [StructLayout(LayoutKind.Sequential)]
    private struct GuardedClient
    {
        public Guard Before;
        public XenStoreClient Client;
        public Guard After;
    }

    [System.Runtime.CompilerServices.InlineArray(GuardBytes)]
    private struct Guard { private byte _b; }
}
