using System;
using Unikernel.Core.Text;
using Unikernel.Core.XenStore;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // This domain's xenstore connection (domU: start_info's store page and event channel; a dom0 booted
    // without a toolstack has none). Paths without a leading '/' are relative to /local/domain/<domid>.
    // Requests block in the idle loop until xenstored answers; watches call back from the idle loop, never
    // from an event handler, so a callback may itself use xenstore.
    internal static unsafe class XenStoreService
    {
        public const int MaxWatches = 8;
        public const int MaxPathBytes = 3072; // XENSTORE_ABS_PATH_MAX, io/xs_wire.h
        public const int MaxWatchPath = 255;  // a watched path is kept, to watch it again after a restore

        private static XenStoreInterface* s_page;
        private static XenStoreClient s_client;
        private static uint s_port;
        private static bool s_available, s_busy;
        private static Watches s_watches;

        private struct Watches
        {
            public fixed ulong Callbacks[MaxWatches]; // delegate*<ReadOnlySpan<byte>, ulong, void>
            public fixed ulong Data[MaxWatches];
            public fixed int PathLengths[MaxWatches];
            public fixed char Paths[MaxWatches * MaxWatchPath];
        }

        public static bool IsAvailable => s_available;
        public static bool IsBroken => s_client.IsBroken;
        // A request is waiting for its reply: a poller (which runs inside that wait) must not issue another.
        public static bool IsBusy => s_busy;

        internal static void Initialize(StartInfo* startInfo)
        {
            if (startInfo->IsInitialDomain || startInfo->StoreMfn == 0) return;
            s_page = (XenStoreInterface*)AddressTranslation.MachineFrameToVirtual(startInfo->StoreMfn);
            s_port = startInfo->StoreEvtchn;
            s_client = new XenStoreClient(s_page, new XenStoreTransport { Notify = &Notify, Wait = &Wait });
            s_available = true;
            EventChannels.Attach(s_port, &OnEvent, 0);
            Idle.AddPoller(&Poll);
        }

        public static long Read(ReadOnlySpan<char> path, Span<byte> value, uint transaction = 0) =>
            PathRequest(XenStoreMessage.Read, transaction, path, default, value);

        public static long Write(ReadOnlySpan<char> path, ReadOnlySpan<byte> value, uint transaction = 0) =>
            PathRequest(XenStoreMessage.Write, transaction, path, value, default);

        // Text is stored as UTF-8. Its size is checked before anything lands on the stack.
        public static long Write(ReadOnlySpan<char> path, ReadOnlySpan<char> value, uint transaction = 0)
        {
            int room = (int)XenStoreHeader.PayloadMax - path.Length - 1;
            if (value.Length > room) return XenError.EMSGSIZE; // every char takes at least a byte
            Span<byte> bytes = stackalloc byte[(int)XenStoreHeader.PayloadMax];
            int n = Core.Text.Utf8Encoder.Encode(value, bytes.Slice(0, room));
            return n < 0 ? XenError.EMSGSIZE : Write(path, bytes.Slice(0, n), transaction);
        }

        // Child names, each followed by a NUL.
        public static long Directory(ReadOnlySpan<char> path, Span<byte> names, uint transaction = 0) =>
            PathRequest(XenStoreMessage.Directory, transaction, path, default, names);

        public static long Mkdir(ReadOnlySpan<char> path, uint transaction = 0) =>
            PathRequest(XenStoreMessage.Mkdir, transaction, path, default, default);

        public static long Remove(ReadOnlySpan<char> path, uint transaction = 0) =>
            PathRequest(XenStoreMessage.Rm, transaction, path, default, default);

        // Returns the transaction id (> 0) or a negative errno.
        public static long StartTransaction()
        {
            Span<byte> reply = stackalloc byte[16];
            Span<byte> empty = stackalloc byte[1];
            long n = Request(XenStoreMessage.TransactionStart, 0, empty, reply);
            if (n < 0) return n;
            return ParseDecimal(reply.Slice(0, (int)n), out ulong id) && id != 0 && id <= uint.MaxValue ? (long)id : XenError.EPROTO;
        }

        // -EAGAIN means another writer got in first: start again.
        public static long EndTransaction(uint transaction, bool commit)
        {
            Span<byte> payload = stackalloc byte[2];
            payload[0] = commit ? (byte)'T' : (byte)'F';
            return Request(XenStoreMessage.TransactionEnd, transaction, payload, default);
        }

        // Calls callback(path, data) from the idle loop when path (or anything below it) changes; xenstored
        // fires once at registration too.
        public static long Watch(ReadOnlySpan<char> path, delegate*<ReadOnlySpan<byte>, ulong, void> callback, ulong data)
        {
            int slot = -1;
            for (int i = 0; i < MaxWatches; i++) if (s_watches.Callbacks[i] == 0) { slot = i; break; }
            if (slot < 0) return XenError.ENOSPC;
            if (path.Length > MaxWatchPath) return XenError.EMSGSIZE;
            s_watches.Callbacks[slot] = (ulong)callback;
            s_watches.Data[slot] = data;
            fixed (char* paths = s_watches.Paths) path.CopyTo(new Span<char>(paths + slot * MaxWatchPath, MaxWatchPath));
            s_watches.PathLengths[slot] = path.Length;
            long rc = Register(slot);
            if (rc < 0) s_watches.Callbacks[slot] = 0;
            return rc;
        }

        private static long Register(int slot)
        {
            Span<byte> token = stackalloc byte[4];
            token[0] = (byte)'w'; token[1] = (byte)('0' + slot); token[2] = 0;
            fixed (char* paths = s_watches.Paths)
                return PathRequest(XenStoreMessage.Watch, 0, new ReadOnlySpan<char>(paths + slot * MaxWatchPath, s_watches.PathLengths[slot]),
                    token.Slice(0, 3), default);
        }

        // Suspend: nothing may be in flight (the ring's state travels with the saved memory, the request's
        // waiter would not).
        public static bool IsQuiet => !s_available || (!s_busy && s_page->ReqProd == s_page->ReqCons);

        // After a resume. A new domain has a new event channel (start_info, rewritten by the restore), the same
        // ring page and a xenstored that knows no watches of ours; replies left on the ring are stale (Linux
        // xb_init_comms drops them too). After a cancelled suspend the connection is as it was.
        internal static void Resume(StartInfo* startInfo, bool newDomain)
        {
            if (!s_available || !newDomain) return;
            s_page = (XenStoreInterface*)AddressTranslation.MachineFrameToVirtual(startInfo->StoreMfn);
            s_port = startInfo->StoreEvtchn;
            s_page->RspCons = s_page->RspProd;
            s_client = new XenStoreClient(s_page, new XenStoreTransport { Notify = &Notify, Wait = &Wait });
            EventChannels.Attach(s_port, &OnEvent, 0);
        }

        // Registers every watch again (each fires once, as at first registration). Events enabled.
        internal static void Rewatch()
        {
            for (int slot = 0; slot < MaxWatches; slot++)
            {
                if (s_watches.Callbacks[slot] == 0) continue;
                long rc = Register(slot);
                if (rc < 0) RewatchFailed(rc);
            }
        }

        private static void RewatchFailed(long rc)
        {
            var text = new TextBuilder(stackalloc char[96]);
            text.Append("xenstore watch (registered again after a resume) failed: ");
            XenError.AppendResult(ref text, rc);
            Panic.Fail(text.Text);
        }

        // Removes the watch that Watch(path, callback, data) set; -ENOENT when there is none.
        public static long Unwatch(ReadOnlySpan<char> path, delegate*<ReadOnlySpan<byte>, ulong, void> callback, ulong data)
        {
            for (int slot = 0; slot < MaxWatches; slot++)
            {
                if (s_watches.Callbacks[slot] != (ulong)callback || s_watches.Data[slot] != data) continue;
                Span<byte> token = stackalloc byte[3];
                token[0] = (byte)'w'; token[1] = (byte)('0' + slot); token[2] = 0;
                s_watches.Callbacks[slot] = 0;
                return PathRequest(XenStoreMessage.Unwatch, 0, path, token, default);
            }
            return XenError.ENOENT;
        }

        // The domain's own id, read from its home directory.
        public static long ReadDomainId()
        {
            Span<byte> value = stackalloc byte[16];
            long n = Read("domid", value);
            if (n < 0) return n;
            return ParseDecimal(value.Slice(0, (int)n), out ulong id) && id < 0x7FF0 ? (long)id : XenError.EPROTO;
        }

        private static long PathRequest(uint type, uint transaction, ReadOnlySpan<char> path, ReadOnlySpan<byte> tail, Span<byte> reply)
        {
            if (path.Length == 0 || path.Length > MaxPathBytes) return XenError.EINVAL;
            int length = path.Length + 1 + tail.Length;
            if (length > (int)XenStoreHeader.PayloadMax) return XenError.EMSGSIZE;
            Span<byte> payload = stackalloc byte[length];
            for (int i = 0; i < path.Length; i++)
            {
                if (path[i] == 0 || path[i] > 0x7e) return XenError.EINVAL;
                payload[i] = (byte)path[i];
            }
            payload[path.Length] = 0;
            tail.CopyTo(payload.Slice(path.Length + 1));
            return Request(type, transaction, payload, reply);
        }

        private static long Request(uint type, uint transaction, ReadOnlySpan<byte> payload, Span<byte> reply)
        {
            if (!s_available) return XenError.ENODEV;
            if (s_busy) Panic.Fail("xenstore: a request was issued while another was in flight");
            s_busy = true;
            // Requests without a result still get a reply ("OK\0"): give it somewhere to land.
            Span<byte> acknowledgement = stackalloc byte[8];
            long rc = s_client.Request(type, transaction, payload, reply.IsEmpty ? acknowledgement : reply);
            s_busy = false;
            return reply.IsEmpty && rc > 0 ? 0 : rc;
        }

        private static void OnEvent(uint port, ulong data) => Idle.Kick();

        private static void Notify() => EventChannels.Send(s_port);

        private static bool Wait(bool forSpace)
        {
            Idle.WaitUntil(forSpace ? &HasSpace : &HasResponse, 0, "xenstore request");
            return true;
        }

        // Any change of an index counts: a corrupt ring then fails the read instead of waiting forever.
        private static bool HasResponse(ulong unused) => s_page->RspProd != s_page->RspCons;
        private static bool HasSpace(ulong unused) => s_page->ReqProd - s_page->ReqCons != XenStoreInterface.RingSize;

        // Idle-loop work: take watch events off the ring and run their callbacks.
        private static void Poll()
        {
            if (s_busy) return;
            s_busy = true;
            s_client.DrainUnsolicited();
            s_busy = false;

            Span<byte> ev = stackalloc byte[XenStoreClient.MaxWatchEventBytes];
            while (true)
            {
                int n = s_client.TakeWatchEvent(ev, out bool overflowed);
                if (overflowed) RunAllWatches();
                if (n == 0) return;
                RunWatch(ev.Slice(0, n));
            }
        }

        private static void RunWatch(ReadOnlySpan<byte> ev)
        {
            // "path\0token\0"; our tokens are "w<slot>".
            int nul = 0;
            while (nul < ev.Length && ev[nul] != 0) nul++;
            if (nul + 3 > ev.Length || ev[nul + 1] != (byte)'w') return;
            int slot = ev[nul + 2] - '0';
            if ((uint)slot >= MaxWatches || s_watches.Callbacks[slot] == 0) return;
            ((delegate*<ReadOnlySpan<byte>, ulong, void>)s_watches.Callbacks[slot])(ev.Slice(0, nul), s_watches.Data[slot]);
        }

        private static void RunAllWatches()
        {
            for (int i = 0; i < MaxWatches; i++)
                if (s_watches.Callbacks[i] != 0)
                    ((delegate*<ReadOnlySpan<byte>, ulong, void>)s_watches.Callbacks[i])(default, s_watches.Data[i]);
        }

        // xenstored's numbers are plain decimal, sometimes NUL-terminated.
        internal static bool ParseDecimal(ReadOnlySpan<byte> text, out ulong value)
        {
            value = 0;
            if (text.Length > 0 && text[text.Length - 1] == 0) text = text.Slice(0, text.Length - 1);
            for (int i = 0; i < text.Length; i++) if (text[i] < (byte)'0' || text[i] > (byte)'9') return false;
            return Core.KernelCommandLine.TryParseUInt64(text, out value);
        }
    }
}
