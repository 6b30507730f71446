using System;
using Unikernel.Core.XenStore;
using Unikernel.Xen;

// The xenstore client's handling of replies, against a ring in memory filled with crafted messages (no
// xenstored needed, so it runs in the dom0-direct boot): good replies, errors, watch events in between,
// stray and oversized replies, corrupt indices.
internal static unsafe class XenStoreWireChecks
{
    private struct PageStorage { public fixed byte Bytes[2080]; }
    private static PageStorage s_storage;
    private static XenStoreInterface* s_page;
    private static int s_requestBytes;
    private static XenStoreHeader s_lastRequest;

    public static int Run()
    {
        fixed (byte* storage = s_storage.Bytes) s_page = (XenStoreInterface*)storage;
        int failures = 0;
        var client = NewClient();
        Span<byte> reply = stackalloc byte[64];

        // 1: a read answered; the request on the ring is well formed.
        Put(XenStoreMessage.Read, 1, "hello");
        long rc = Ask(ref client, XenStoreMessage.Read, "name\0", reply);
        failures += CheckReport.Check("xs-read-reply", rc == 5 && Text(reply, 5, "hello") &&
            s_lastRequest.Type == XenStoreMessage.Read && s_lastRequest.RequestId == 1 && s_lastRequest.Length == 5 && s_requestBytes == 16 + 5);

        // 2: a watch event ahead of the reply is queued, the reply still returned.
        Put(XenStoreMessage.WatchEvent, 0, "control/shutdown\0w0\0");
        Put(XenStoreMessage.Read, 2, "ok");
        rc = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        Span<byte> ev = stackalloc byte[XenStoreClient.MaxWatchEventBytes];
        int evLength = client.TakeWatchEvent(ev, out bool overflowed);
        failures += CheckReport.Check("xs-watch-event-queued", rc == 2 && evLength == 20 && Text(ev, 16, "control/shutdown") && !overflowed && client.PendingWatchEvents == 0);

        // 3: errors come back as negative errno; an unknown name is a protocol error.
        Put(XenStoreMessage.Error, 3, "ENOENT\0");
        rc = Ask(ref client, XenStoreMessage.Read, "missing\0", reply);
        Put(XenStoreMessage.Error, 4, "EWHATEVER\0");
        long unknown = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        failures += CheckReport.Check("xs-error-reply", rc == XenStoreError.ENOENT && unknown == XenStoreError.EPROTO && !client.IsBroken);

        // 4: a reply larger than the caller's buffer is skipped whole: the next request is still in step.
        PutHeader(XenStoreMessage.Read, 5, 100);
        for (int i = 0; i < 100; i++) Append("v");
        rc = Ask(ref client, XenStoreMessage.Read, "big\0", reply.Slice(0, 10));
        Put(XenStoreMessage.Read, 6, "next");
        long next = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        failures += CheckReport.Check("xs-reply-too-big-for-buffer", rc == XenStoreError.ENOBUFS && next == 4 && Text(reply, 4, "next"));

        // 5: a stray reply (not our id) is skipped; a reply of the wrong type is an error.
        Put(XenStoreMessage.Read, 99, "stray");
        Put(XenStoreMessage.Read, 7, "mine");
        rc = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        Put(XenStoreMessage.Directory, 8, "a\0");
        long wrongType = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        failures += CheckReport.Check("xs-stray-and-wrong-type", rc == 4 && Text(reply, 4, "mine") && client.StrayReplies == 1 && wrongType == XenStoreError.EPROTO);

        // 6: a length beyond XENSTORE_PAYLOAD_MAX cannot be followed: error now and for every later request.
        PutHeader(XenStoreMessage.Read, 9, 5000);
        rc = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        long after = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        failures += CheckReport.Check("xs-oversized-reply-breaks-the-stream", rc == XenStoreError.EPROTO && after == XenStoreError.EPROTO && client.IsBroken);

        // 7: a reply cut short (xenstored never sends the rest) and corrupt ring indices are errors, not hangs.
        client = NewClient();
        PutHeader(XenStoreMessage.Read, 1, 10);
        Append("abcd");
        rc = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        client = NewClient();
        s_page->RspProd = 5000;
        long corrupt = Ask(ref client, XenStoreMessage.Read, "x\0", reply);
        failures += CheckReport.Check("xs-truncated-and-corrupt", rc == XenStoreError.EPROTO && corrupt == XenStoreError.EPROTO);

        // 8: a request beyond XENSTORE_PAYLOAD_MAX is refused before anything is sent.
        client = NewClient();
        Span<byte> huge = stackalloc byte[4097];
        rc = client.Request(XenStoreMessage.Write, 0, huge, reply);
        failures += CheckReport.Check("xs-request-too-large", rc == XenStoreError.EMSGSIZE && s_requestBytes == 0 && !client.IsBroken);

        // 9: unsolicited messages are read in pieces as they arrive: a 2000-byte watch event (larger than the
        // ring; too large for a slot, so dropped with the overflow flag) does not hold back the event behind
        // it, and a 200-byte one that arrives in two parts is queued whole.
        client = NewClient();
        PutHeader(XenStoreMessage.WatchEvent, 0, 2000);
        for (int i = 0; i < 1008; i++) Append("p");             // the ring is now full
        client.DrainUnsolicited();
        for (int i = 0; i < 992; i++) Append("p");
        client.DrainUnsolicited();
        Put(XenStoreMessage.WatchEvent, 0, "control/shutdown\0w0\0");
        client.DrainUnsolicited();
        evLength = client.TakeWatchEvent(ev, out overflowed);
        bool behind = evLength == 20 && Text(ev, 16, "control/shutdown");
        PutHeader(XenStoreMessage.WatchEvent, 0, 200);
        for (int i = 0; i < 120; i++) Append("q");
        client.DrainUnsolicited();
        int partial = client.PendingWatchEvents;
        for (int i = 0; i < 80; i++) Append("q");
        client.DrainUnsolicited();
        int whole = client.TakeWatchEvent(ev, out bool overflowedAgain);
        failures += CheckReport.Check("xs-large-unsolicited-in-pieces", behind &&
            overflowed && partial == 0 && whole == 200 && ev[199] == (byte)'q' && !overflowedAgain && !client.IsBroken);

        XenConsole.WriteLine(failures == 0 ? "xenstore-wire: 0 failed" : "xenstore-wire: FAILED");
        return failures;
    }

    private static XenStoreClient NewClient()
    {
        new Span<byte>(s_page, sizeof(XenStoreInterface)).Clear();
        s_requestBytes = 0;
        return new XenStoreClient(s_page, new XenStoreTransport { Notify = &TakeRequests, Wait = &NothingMoreComes });
    }

    // Plays xenstored's side of the request ring: remember the last request header and consume everything.
    private static void TakeRequests()
    {
        uint produced = s_page->ReqProd - s_page->ReqCons;
        if (produced == 0) return;
        s_requestBytes += (int)produced;
        fixed (XenStoreHeader* last = &s_lastRequest)
            for (int i = 0; i < sizeof(XenStoreHeader); i++) ((byte*)last)[i] = s_page->Req[(s_page->ReqCons + (uint)i) & 1023];
        s_page->ReqCons = s_page->ReqProd;
    }

    private static bool NothingMoreComes(bool forSpace) => false;

    private static void Put(uint type, uint id, string payload)
    {
        PutHeader(type, id, (uint)payload.Length);
        Append(payload);
    }

    private static void PutHeader(uint type, uint id, uint length)
    {
        var header = new XenStoreHeader { Type = type, RequestId = id, Length = length };
        AppendBytes((byte*)&header, sizeof(XenStoreHeader));
    }

    private static void Append(string text)
    {
        for (int i = 0; i < text.Length; i++) { byte b = (byte)text[i]; AppendBytes(&b, 1); }
    }

    private static void AppendBytes(byte* bytes, int count)
    {
        for (int i = 0; i < count; i++) s_page->Rsp[(s_page->RspProd + (uint)i) & 1023] = bytes[i];
        s_page->RspProd += (uint)count;
    }

    private static long Ask(ref XenStoreClient client, uint type, string payload, Span<byte> reply)
    {
        Span<byte> bytes = stackalloc byte[payload.Length];
        for (int i = 0; i < payload.Length; i++) bytes[i] = (byte)payload[i];
        return client.Request(type, 0, bytes, reply);
    }

    private static bool Text(ReadOnlySpan<byte> bytes, int length, string expected)
    {
        if (length != expected.Length) return false;
        for (int i = 0; i < length; i++) if (bytes[i] != expected[i]) return false;
        return true;
    }
}
