using System.Threading;

namespace Unikernel.Core.Rings
{
    // The frontend's side of a shared request/response ring of xen/include/public/io/ring.h (blkif, netif):
    // the shared page starts with req_prod, req_event, rsp_prod, rsp_event (32-bit) and 48 bytes of padding;
    // entries (a union of request and response) follow at offset 64, their count (PAGE - 64) / entry size
    // rounded down to a power of two. Indices run free and wrap at 2^32. The backend is not trusted: a
    // rsp_prod that claims responses to requests never made marks the ring corrupt.
    public unsafe struct FrontRing
    {
        public const uint HeaderBytes = 64;     // offsetof(struct *_sring, ring), io/ring.h
        private const int ReqProd = 0, ReqEvent = 1, RspProd = 2, RspEvent = 3; // uint offsets in the header

        private readonly byte* _page;
        private readonly uint _entryBytes;
        private readonly uint _size;
        private uint _reqProdPvt; // requests made but maybe not pushed (req_prod_pvt)
        private uint _rspCons;    // responses taken (rsp_cons)

        public FrontRing(byte* page, uint pageBytes, uint entryBytes)
        {
            _page = page;
            _entryBytes = entryBytes;
            _size = EntryCount(pageBytes, entryBytes);
            _reqProdPvt = 0;
            _rspCons = 0;
        }

        // __RING_SIZE: entries that fit after the header, rounded down to a power of two.
        public static uint EntryCount(uint pageBytes, uint entryBytes)
        {
            if (entryBytes == 0 || pageBytes < HeaderBytes + entryBytes) return 0;
            uint n = (pageBytes - HeaderBytes) / entryBytes;
            uint p = 1;
            while (p * 2 <= n) p *= 2;
            return p;
        }

        // SHARED_RING_INIT: zero indices, events at 1 (notify on the first request / response).
        public static void InitShared(byte* page)
        {
            for (int i = 0; i < (int)HeaderBytes; i++) page[i] = 0;
            uint* header = (uint*)page;
            header[ReqEvent] = 1;
            header[RspEvent] = 1;
        }

        public uint Size => _size;
        public uint RequestsProduced => _reqProdPvt;
        public uint ResponsesConsumed => _rspCons;
        // Requests made whose response has not been taken: what the backend still owes.
        public uint Outstanding => _reqProdPvt - _rspCons;
        public uint FreeRequests => _size - Outstanding;    // RING_FREE_REQUESTS
        public bool IsFull => FreeRequests == 0;            // RING_FULL

        private uint* Header => (uint*)_page;

        // The slot of the next request (RING_GET_REQUEST at req_prod_pvt); null when the ring is full.
        public byte* NextRequest() => IsFull ? null : Entry(_reqProdPvt);

        // The request in the slot NextRequest gave is complete.
        public void Produce() => _reqProdPvt++;

        // RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publishes the requests made (entries before the index: x86
        // keeps stores in order, the volatile store keeps the compiler from reordering), then a full barrier
        // (the locked exchange) before reading req_event. Returns whether the backend asked to be notified of
        // one of the new requests.
        public bool PushRequests()
        {
            uint old = Volatile.Read(ref Header[ReqProd]);
            uint now = _reqProdPvt;
            Interlocked.Exchange(ref *(int*)&Header[ReqProd], (int)now);
            uint reqEvent = Volatile.Read(ref Header[ReqEvent]);
            return Notify(now, old, reqEvent);
        }

        // The notify test of io/ring.h: the event index lies in (old, new].
        public static bool Notify(uint now, uint old, uint eventIndex) => now - eventIndex < now - old;

        // Responses the backend has published and we have not taken (RING_HAS_UNCONSUMED_RESPONSES); -1 when
        // rsp_prod claims more responses than requests are outstanding (a corrupt or hostile backend).
        public long UnconsumedResponses
        {
            get
            {
                uint waiting = Volatile.Read(ref Header[RspProd]) - _rspCons;
                return waiting <= Outstanding ? waiting : -1;
            }
        }

        // The oldest response not yet taken (read it only after UnconsumedResponses said it is there).
        public byte* PeekResponse() => Entry(_rspCons);

        public void ConsumeResponse() => _rspCons++;

        // RING_FINAL_CHECK_FOR_RESPONSES: before sleeping, ask for an event at the next response, full
        // barrier, and look again, so a response published between the check and the request is not missed.
        public long FinalCheckForResponses()
        {
            long waiting = UnconsumedResponses;
            if (waiting != 0) return waiting;
            Interlocked.Exchange(ref *(int*)&Header[RspEvent], (int)(_rspCons + 1));
            return UnconsumedResponses;
        }

        private byte* Entry(uint index) => _page + HeaderBytes + (index & (_size - 1)) * _entryBytes;
    }
}
