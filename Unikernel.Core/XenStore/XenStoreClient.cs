using System;
using Unikernel.Core.Rings;

namespace Unikernel.Core.XenStore
{
    // The xenstore wire protocol (io/xs_wire.h) over the shared page: one request at a time, its reply
    // matched by id; watch events that arrive meanwhile are queued. Replies are checked before use: an
    // oversized, truncated or unknown reply is an error result (-EPROTO), never a crash or an overrun.
    // Results follow the hypercall convention: a length >= 0, or a negative errno of XenStoreError
    // (xenstored's, or ours: -ENOBUFS reply larger than the caller's buffer, -EMSGSIZE request too large,
    // -EPROTO bad reply). It makes no hypercall: the transport signals and waits, so the host tests run it
    // against a ring in memory.
    public unsafe struct XenStoreClient
    {
        public const int MaxWatchEvents = 8;
        public const int MaxWatchEventBytes = 256;

        private ByteRing _requests;
        private ByteRing _responses;
        private XenStoreTransport _transport;
        private uint _nextId;
        private bool _broken;
        private WatchEventQueue _events;
        private ulong _strayReplies;
        private Unsolicited _unsolicited;

        // An unsolicited message (watch event or stray reply) read in pieces as it arrives: one larger than
        // the ring (up to XENSTORE_PAYLOAD_MAX) never sits there whole.
        private struct Unsolicited
        {
            public bool InProgress;
            public uint Left;     // payload bytes still to read
            public int Slot;      // watch-event slot being filled, or -1 to discard
            public int Filled;
        }

        private struct WatchEventQueue
        {
            public fixed byte Bytes[MaxWatchEvents * MaxWatchEventBytes];
            public fixed int Lengths[MaxWatchEvents];
            public int Head, Count;
            public bool Overflowed; // events were dropped: every watcher must re-check
        }

        public XenStoreClient(XenStoreInterface* page, XenStoreTransport transport)
        {
            _requests = new ByteRing(page->Req, XenStoreInterface.RingSize, &page->ReqProd, &page->ReqCons);
            _responses = new ByteRing(page->Rsp, XenStoreInterface.RingSize, &page->RspProd, &page->RspCons);
            _transport = transport;
            _nextId = 1;
            _broken = false;
            _events = default;
            _strayReplies = 0;
        }

        public bool IsBroken => _broken;
        public ulong StrayReplies => _strayReplies;
        public int PendingWatchEvents => _events.Count;

        public long Request(uint type, uint transaction, ReadOnlySpan<byte> payload, Span<byte> reply)
        {
            if (_broken) return XenStoreError.EPROTO;
            if ((uint)payload.Length > XenStoreHeader.PayloadMax) return XenStoreError.EMSGSIZE;
            var header = new XenStoreHeader { Type = type, RequestId = _nextId++, TransactionId = transaction, Length = (uint)payload.Length };
            if (!Send(new ReadOnlySpan<byte>(&header, sizeof(XenStoreHeader))) || !Send(payload)) return Broken();
            _transport.Notify();
            if (_unsolicited.InProgress && !FinishUnsolicited()) return Broken(); // the reply comes after it

            while (true)
            {
                XenStoreHeader answer;
                if (!Receive(new Span<byte>(&answer, sizeof(XenStoreHeader)))) return Broken();
                if (answer.Length > XenStoreHeader.PayloadMax) return Broken(); // cannot find the next message
                if (answer.Type == XenStoreMessage.WatchEvent)
                {
                    BeginUnsolicited(answer);
                    if (!FinishUnsolicited()) return Broken();
                    continue;
                }
                if (answer.RequestId != header.RequestId)
                {
                    _strayReplies++; // not ours (a reply nobody waits for): skip it and keep waiting
                    if (!Skip(answer.Length)) return Broken();
                    continue;
                }
                if (answer.Type == XenStoreMessage.Error) return ReceiveError(answer.Length);
                if (answer.Type != type)
                {
                    if (!Skip(answer.Length)) return Broken();
                    return XenStoreError.EPROTO;
                }
                if (answer.Length > (uint)reply.Length)
                {
                    if (!Skip(answer.Length)) return Broken();
                    return XenStoreError.ENOBUFS;
                }
                if (!Receive(reply.Slice(0, (int)answer.Length))) return Broken();
                _transport.Notify();
                return answer.Length;
            }
        }

        // Reads unsolicited messages (watch events) from the ring as far as they have arrived, without
        // waiting: a message is taken in pieces and completed by a later call (or by the next request).
        // Called when no request is in flight; anything but a watch event there is a stray reply, skipped.
        public void DrainUnsolicited()
        {
            while (!_broken)
            {
                if (!_unsolicited.InProgress)
                {
                    XenStoreHeader header;
                    if (_responses.Peek(new Span<byte>(&header, sizeof(XenStoreHeader))) != sizeof(XenStoreHeader)) return;
                    if (header.Length > XenStoreHeader.PayloadMax) { Broken(); return; }
                    _responses.Consume((uint)sizeof(XenStoreHeader));
                    BeginUnsolicited(header);
                }
                long available = _responses.Available;
                if (available < 0) { Broken(); return; } // corrupt indices
                uint n = available < _unsolicited.Left ? (uint)available : _unsolicited.Left;
                if (n > 0 && !ReadUnsolicited(n)) return;
                _transport.Notify(); // room we freed may be what xenstored waits for
                if (_unsolicited.Left > 0) return; // the rest is on its way
                EndUnsolicited();
            }
        }

        private void BeginUnsolicited(in XenStoreHeader header)
        {
            _unsolicited.InProgress = true;
            _unsolicited.Left = header.Length;
            _unsolicited.Filled = 0;
            _unsolicited.Slot = -1;
            if (header.Type != XenStoreMessage.WatchEvent) _strayReplies++;
            else if (_events.Count == MaxWatchEvents || header.Length > MaxWatchEventBytes) _events.Overflowed = true;
            else _unsolicited.Slot = (_events.Head + _events.Count) % MaxWatchEvents;
        }

        // Reads n bytes of the message in hand: into its event slot, or discarded.
        private bool ReadUnsolicited(uint n)
        {
            bool ok;
            if (_unsolicited.Slot < 0) ok = Skip(n);
            else fixed (byte* bytes = _events.Bytes)
                ok = Receive(new Span<byte>(bytes + _unsolicited.Slot * MaxWatchEventBytes + _unsolicited.Filled, (int)n));
            if (!ok) { Broken(); return false; }
            _unsolicited.Filled += (int)n;
            _unsolicited.Left -= n;
            return true;
        }

        // An empty watch event names no path: it is not queued (TakeWatchEvent's 0 means "none left").
        private void EndUnsolicited()
        {
            if (_unsolicited.Slot >= 0 && _unsolicited.Filled > 0)
            {
                _events.Lengths[_unsolicited.Slot] = _unsolicited.Filled;
                _events.Count++;
            }
            _unsolicited.InProgress = false;
        }

        // Reads the rest of a message DrainUnsolicited began, waiting for it.
        private bool FinishUnsolicited()
        {
            if (_unsolicited.Left > 0 && !ReadUnsolicited(_unsolicited.Left)) return false;
            EndUnsolicited();
            return true;
        }

        // Takes the oldest queued watch event: "path\0token\0". Returns its length, 0 if none.
        public int TakeWatchEvent(Span<byte> destination, out bool overflowed)
        {
            overflowed = _events.Overflowed;
            _events.Overflowed = false;
            if (_events.Count == 0) return 0;
            int slot = _events.Head;
            int length = _events.Lengths[slot];
            fixed (byte* bytes = _events.Bytes)
                new ReadOnlySpan<byte>(bytes + slot * MaxWatchEventBytes, length).CopyTo(destination);
            _events.Head = (slot + 1) % MaxWatchEvents;
            _events.Count--;
            return length;
        }

        private long ReceiveError(uint length)
        {
            Span<byte> name = stackalloc byte[16];
            if (length > (uint)name.Length || length == 0)
            {
                if (!Skip(length)) return Broken();
                return XenStoreError.EPROTO;
            }
            if (!Receive(name.Slice(0, (int)length))) return Broken();
            _transport.Notify();
            int end = (int)length;
            if (name[end - 1] == 0) end--; // sent NUL-terminated
            return XenStoreError.FromName(name.Slice(0, end));
        }

        private bool Send(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                int n = _requests.Write(bytes);
                if (n < 0) return false;
                bytes = bytes.Slice(n);
                if (bytes.IsEmpty) break;
                _transport.Notify();
                if (!_transport.Wait(true)) return false;
            }
            return true;
        }

        private bool Receive(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                int n = _responses.Read(destination);
                if (n < 0) return false;
                destination = destination.Slice(n);
                if (destination.IsEmpty) break;
                _transport.Notify(); // room we freed may be what xenstored waits for
                if (!_transport.Wait(false)) return false;
            }
            return true;
        }

        private bool Skip(uint length)
        {
            Span<byte> scratch = stackalloc byte[64];
            while (length > 0)
            {
                int chunk = length < (uint)scratch.Length ? (int)length : scratch.Length;
                if (!Receive(scratch.Slice(0, chunk))) return false;
                length -= (uint)chunk;
            }
            return true;
        }

        // The stream can no longer be followed: every later request fails the same way.
        private long Broken()
        {
            _broken = true;
            return XenStoreError.EPROTO;
        }
    }
}
