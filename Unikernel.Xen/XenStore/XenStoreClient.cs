using System;
using Unikernel.Core.Rings;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The xenstore wire protocol (io/xs_wire.h) over the shared page: one request at a time, its reply
    // matched by id; watch events that arrive meanwhile are queued. Replies are checked before use: an
    // oversized, truncated or unknown reply is an error result (-EPROTO), never a crash or an overrun.
    // Results follow the hypercall convention: a length >= 0, or a negative errno (xenstored's, or ours:
    // -ENOBUFS reply larger than the caller's buffer, -EMSGSIZE request too large, -EPROTO bad reply).
    internal unsafe struct XenStoreClient
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
            if (_broken) return XenError.EPROTO;
            if ((uint)payload.Length > XenStoreHeader.PayloadMax) return XenError.EMSGSIZE;
            var header = new XenStoreHeader { Type = type, RequestId = _nextId++, TransactionId = transaction, Length = (uint)payload.Length };
            if (!Send(new ReadOnlySpan<byte>(&header, sizeof(XenStoreHeader))) || !Send(payload)) return Broken();
            _transport.Notify();

            while (true)
            {
                XenStoreHeader answer;
                if (!Receive(new Span<byte>(&answer, sizeof(XenStoreHeader)))) return Broken();
                if (answer.Length > XenStoreHeader.PayloadMax) return Broken(); // cannot find the next message
                if (answer.Type == XenStoreMessage.WatchEvent)
                {
                    if (!QueueWatchEvent(answer.Length)) return Broken();
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
                    return XenError.EPROTO;
                }
                if (answer.Length > (uint)reply.Length)
                {
                    if (!Skip(answer.Length)) return Broken();
                    return XenError.ENOBUFS;
                }
                if (!Receive(reply.Slice(0, (int)answer.Length))) return Broken();
                _transport.Notify();
                return answer.Length;
            }
        }

        // Reads whole unsolicited messages (watch events) already in the ring, without waiting. Called when
        // no request is in flight; anything but a watch event there is a stray reply and is skipped.
        public void DrainUnsolicited()
        {
            while (!_broken)
            {
                XenStoreHeader header;
                if (_responses.Peek(new Span<byte>(&header, sizeof(XenStoreHeader))) != sizeof(XenStoreHeader)) return;
                if (header.Length > XenStoreHeader.PayloadMax) { Broken(); return; }
                if (_responses.Available < sizeof(XenStoreHeader) + header.Length) return; // the rest is on its way
                _responses.Consume((uint)sizeof(XenStoreHeader));
                if (header.Type == XenStoreMessage.WatchEvent) QueueWatchEvent(header.Length);
                else { _strayReplies++; Skip(header.Length); }
                _transport.Notify();
            }
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

        private bool QueueWatchEvent(uint length)
        {
            if (_events.Count == MaxWatchEvents || length > MaxWatchEventBytes)
            {
                _events.Overflowed = true;
                return Skip(length);
            }
            int slot = (_events.Head + _events.Count) % MaxWatchEvents;
            bool ok;
            fixed (byte* bytes = _events.Bytes) ok = Receive(new Span<byte>(bytes + slot * MaxWatchEventBytes, (int)length));
            if (!ok) return false;
            _events.Lengths[slot] = (int)length;
            _events.Count++;
            return true;
        }

        private long ReceiveError(uint length)
        {
            Span<byte> name = stackalloc byte[16];
            if (length > (uint)name.Length || length == 0)
            {
                if (!Skip(length)) return Broken();
                return XenError.EPROTO;
            }
            if (!Receive(name.Slice(0, (int)length))) return Broken();
            _transport.Notify();
            int end = (int)length;
            if (name[end - 1] == 0) end--; // sent NUL-terminated
            return XenError.FromName(name.Slice(0, end));
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
            return XenError.EPROTO;
        }
    }
}
