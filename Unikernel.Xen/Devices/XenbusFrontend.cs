using System;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The frontend half of a xenbus device (io/xenbus.h): our node device/<type>/<id> names the backend's
    // node (`backend`) and domain (`backend-id`); both sides publish `state` and follow the other's. We watch
    // the backend's state and wait for the states we need with a deadline. Lives in static storage (a
    // pointer is the watch's data).
    internal unsafe struct XenbusFrontend
    {
        public const int MaxPath = 128;
        public const ulong StateTimeoutNanoseconds = 10_000_000_000; // a backend that has not moved in 10 s is stuck
        public const int TransactionAttempts = 16;

        // Frontends in the middle of their handshake: a suspend then is refused (it would cut it in two).
        public static int Connecting;

        private fixed char _front[MaxPath];
        private fixed char _back[MaxPath];
        private int _frontLength, _backLength;
        public ushort BackendId;
        private ulong _changes, _seen, _polled; // backend state changes seen by the watch / by the waiter / by a poller
        private bool _watching;

        public ReadOnlySpan<char> FrontPath { get { fixed (char* p = _front) return new ReadOnlySpan<char>(p, _frontLength); } }
        public ReadOnlySpan<char> BackPath { get { fixed (char* p = _back) return new ReadOnlySpan<char>(p, _backLength); } }

        // Finds device/<type>/<id>, reads its backend and backend-id and watches the backend's state.
        // A negative errno when the device is not there or its nodes are malformed.
        public static long Open(XenbusFrontend* f, ReadOnlySpan<char> type, ReadOnlySpan<char> id)
        {
            var front = new TextBuilder(new Span<char>(f->_front, MaxPath));
            front.Append("device/");
            front.Append(type);
            front.Append('/');
            front.Append(id);
            f->_frontLength = front.Length;
            return FindBackend(f);
        }

        // After a restore in a new domain: the toolstack made new backends (their paths carry the new domain
        // id, and the backend domain may differ), so the old one's watch goes and the new one is read and
        // watched. Our node is the same relative path in the new home.
        public static long Reopen(XenbusFrontend* f)
        {
            StopWatching(f);
            return FindBackend(f);
        }

        private static long FindBackend(XenbusFrontend* f)
        {
            Span<byte> value = stackalloc byte[MaxPath];
            long n = ReadKey(f->FrontPath, "backend", value);
            if (n < 0) return n;
            if (n == 0 || n >= MaxPath) return XenError.EPROTO;
            for (int i = 0; i < n; i++) f->_back[i] = (char)value[i];
            f->_backLength = (int)n;

            n = ReadKey(f->FrontPath, "backend-id", value);
            if (n < 0) return n;
            if (!XenStoreService.ParseDecimal(value.Slice(0, (int)n), out ulong backendId) || backendId >= 0x7FF0) return XenError.EPROTO;
            f->BackendId = (ushort)backendId;

            var statePath = new TextBuilder(stackalloc char[MaxPath + 8]);
            statePath.Append(f->BackPath);
            statePath.Append("/state");
            long rc = XenStoreService.Watch(statePath.Text, &OnBackendState, (ulong)f);
            if (rc < 0) return rc;
            f->_watching = true;
            return 0;
        }

        private static void StopWatching(XenbusFrontend* f)
        {
            if (!f->_watching) return;
            var statePath = new TextBuilder(stackalloc char[MaxPath + 8]);
            statePath.Append(f->BackPath);
            statePath.Append("/state");
            XenStoreService.Unwatch(statePath.Text, &OnBackendState, (ulong)f);
            f->_watching = false;
        }

        private static void OnBackendState(ReadOnlySpan<byte> path, ulong data)
        {
            ((XenbusFrontend*)data)->_changes++;
            Idle.Kick();
        }

        // <dir>/<key> into value; its length or a negative errno.
        public static long ReadKey(ReadOnlySpan<char> dir, ReadOnlySpan<char> key, Span<byte> value, uint transaction = 0)
        {
            var path = new TextBuilder(stackalloc char[MaxPath + 40]);
            path.Append($"{dir}/{key}");
            return XenStoreService.Read(path.Text, value, transaction);
        }

        public static long WriteKey(ReadOnlySpan<char> dir, ReadOnlySpan<char> key, ReadOnlySpan<char> value, uint transaction = 0)
        {
            var path = new TextBuilder(stackalloc char[MaxPath + 40]);
            path.Append($"{dir}/{key}");
            return XenStoreService.Write(path.Text, value, transaction);
        }

        public static long WriteNumber(ReadOnlySpan<char> dir, ReadOnlySpan<char> key, ulong number, uint transaction = 0)
        {
            var text = new TextBuilder(stackalloc char[24]);
            text.Append(number);
            return WriteKey(dir, key, text.Text, transaction);
        }

        // A decimal key of the backend's node; a negative errno when missing or not a number.
        public long ReadBackendNumber(ReadOnlySpan<char> key, out ulong number)
        {
            number = 0;
            Span<byte> value = stackalloc byte[24];
            long n = ReadKey(BackPath, key, value);
            if (n < 0) return n;
            return XenStoreService.ParseDecimal(value.Slice(0, (int)n), out number) ? 0 : XenError.EPROTO;
        }

        public long BackendState()
        {
            long rc = ReadBackendNumber("state", out ulong state);
            return rc < 0 ? rc : (long)state;
        }

        public long SwitchState(XenbusState state, uint transaction = 0) => WriteNumber(FrontPath, "state", (ulong)state, transaction);

        // Waits until the backend's state is one of `accepted` (a bit per XenbusState); returns that state,
        // -ETIMEDOUT after StateTimeoutNanoseconds, or a negative errno from xenstore. The watch
        // wakes us; when watches cannot run (we are inside a watch callback ourselves, at shutdown) the state
        // is polled every 20 ms instead.
        public static long WaitForBackend(XenbusFrontend* f, uint accepted, string what)
        {
            ulong deadline = PvClock.Now + StateTimeoutNanoseconds;
            while (true)
            {
                f->_seen = f->_changes;
                long state = f->BackendState();
                if (state < 0 && state != XenError.ENOENT) return state;
                if (state >= 0 && state < 32 && (accepted & (1u << (int)state)) != 0) return state;
                ulong now = PvClock.Now;
                if (now >= deadline) return XenError.ETIMEDOUT;
                ulong slice = deadline - now < 20_000_000 ? deadline - now : 20_000_000;
                BoundedWait.Until(&Changed, (ulong)f, slice, what);
            }
        }

        // Whether the backend's state changed since the last call (for a poller that follows it without waiting).
        public static bool TakeChange(XenbusFrontend* f)
        {
            if (f->_changes == f->_polled) return false;
            f->_polled = f->_changes;
            return true;
        }

        private static bool Changed(ulong address) => ((XenbusFrontend*)address)->_changes != ((XenbusFrontend*)address)->_seen;

        public static uint Bit(XenbusState state) => 1u << (int)state;

        // Runs write(f, context, transaction) inside one xenstore transaction, again from the start when
        // another writer got in first (-EAGAIN at commit), up to TransactionAttempts times.
        public static long Publish(XenbusFrontend* f, delegate*<XenbusFrontend*, ulong, uint, long> write, ulong context)
        {
            for (int attempt = 0; attempt < TransactionAttempts; attempt++)
            {
                long transaction = XenStoreService.StartTransaction();
                if (transaction < 0) return transaction;
                long rc = write(f, context, (uint)transaction);
                if (rc < 0)
                {
                    XenStoreService.EndTransaction((uint)transaction, false);
                    return rc;
                }
                rc = XenStoreService.EndTransaction((uint)transaction, true);
                if (rc != XenError.EAGAIN) return rc;
            }
            return XenError.EAGAIN;
        }

        // An unbound event channel for the backend to bind (EVTCHNOP_alloc_unbound), its events to handler.
        public static uint AllocateEventChannel(XenbusFrontend* f, delegate*<uint, ulong, void> handler, ulong data)
        {
            var alloc = new EvtchnAllocUnbound { Dom = (ushort)DomainId.Self, RemoteDom = f->BackendId };
            Panic.Check(Hypercall.EventChannelOp(EventChannelOp.AllocUnbound, &alloc), "event_channel_op(alloc_unbound)");
            EventChannels.Attach(alloc.Port, handler, data);
            return alloc.Port;
        }

        // The end of every frontend's connect: our keys in one transaction, then the backend's Connected. 0 or
        // a negative errno, with what failed in failure.
        public static long PublishAndWaitConnected(XenbusFrontend* f, delegate*<XenbusFrontend*, ulong, uint, long> write, ulong context,
            string what, ref TextBuilder failure)
        {
            long rc = Publish(f, write, context);
            if (rc < 0) return Fail(ref failure, "publishing its keys", rc);
            long state = WaitForBackend(f, Bit(XenbusState.Connected) | Bit(XenbusState.Closing) | Bit(XenbusState.Closed), what);
            if (state < 0) return Fail(ref failure, "waiting for the backend's Connected", state);
            if (state != (long)XenbusState.Connected) return Fail(ref failure, "the backend closed instead of connecting", XenError.EIO);
            return 0;
        }

        // "what: -5 (EIO)" into failure; returns rc.
        public static long Fail(ref TextBuilder failure, string what, long rc)
        {
            failure.Append(what);
            failure.Append(": ");
            XenError.AppendResult(ref failure, rc);
            return rc;
        }


        // The orderly end (Linux's xenbus_frontend_closed): Closing, the backend follows, Closed, the backend
        // follows; bounded, so a backend that does not answer cannot keep the domain from shutting down.
        public static long Close(XenbusFrontend* f)
        {
            long rc = f->SwitchState(XenbusState.Closing);
            if (rc >= 0)
                rc = WaitForBackend(f, Bit(XenbusState.Closing) | Bit(XenbusState.Closed) | Bit(XenbusState.Unknown), "xenbus close");
            long closed = f->SwitchState(XenbusState.Closed);
            if (rc >= 0 && closed >= 0)
                rc = WaitForBackend(f, Bit(XenbusState.Closed) | Bit(XenbusState.InitWait) | Bit(XenbusState.Unknown), "xenbus close");
            StopWatching(f);
            return rc < 0 ? rc : closed;
        }
    }
}
