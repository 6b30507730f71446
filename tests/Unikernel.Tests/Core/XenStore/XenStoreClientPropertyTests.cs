using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using Unikernel.Core.XenStore;

namespace Unikernel.Tests.Core.XenStore;

// The xenstore wire client against generated response streams, fed through a ring in memory by a fake
// xenstored in pieces of random size from a random ring position (FakeXenStored). Well-formed streams
// (replies with watch events and stray replies of any size up to XENSTORE_PAYLOAD_MAX before them, error
// replies, replies of the wrong type or too large for the buffer, watch events read in pieces between
// requests) give exactly the results of a model and keep the stream in step; hostile streams (random
// bytes, random headers, corrupt ring indices) give a length within the buffer or an errno of
// XenStoreError, never an exception, a hang or a write outside the buffers.
public unsafe class XenStoreClientPropertyTests
{
    private const uint PayloadMax = XenStoreHeader.PayloadMax;
    private const int Pad = 32;
    private const byte Untouched = 0xEE;

    // xsd_errors (io/xs_wire.h) with errno.h's numbers, and the client's own: the documented results.
    private static readonly Dictionary<string, long> XsdErrors = new()
    {
        ["EINVAL"] = -22, ["EACCES"] = -13, ["EEXIST"] = -17, ["EISDIR"] = -21, ["ENOENT"] = -2, ["ENOMEM"] = -12,
        ["ENOSPC"] = -28, ["EIO"] = -5, ["ENOTEMPTY"] = -39, ["ENOSYS"] = -38, ["EROFS"] = -30, ["EBUSY"] = -16,
        ["EAGAIN"] = -11, ["EISCONN"] = -106, ["E2BIG"] = -7, ["EPERM"] = -1,
    };
    private const long EPROTO = -71, EMSGSIZE = -90, ENOBUFS = -105;
    private static readonly HashSet<long> DocumentedErrors = new(XsdErrors.Values) { EPROTO, EMSGSIZE, ENOBUFS };

    private static readonly uint[] RequestTypes =
    {
        XenStoreMessage.Directory, XenStoreMessage.Read, XenStoreMessage.Watch, XenStoreMessage.Unwatch,
        XenStoreMessage.TransactionStart, XenStoreMessage.TransactionEnd, XenStoreMessage.GetDomainPath,
        XenStoreMessage.Write, XenStoreMessage.Mkdir, XenStoreMessage.Rm,
    };

    // ---- Well-formed streams against the model ----

    public enum ReplyKind { Value, Error, WrongType }

    // A message before the reply or between requests: a watch event, or a reply nobody waits for.
    public sealed record Unsolicited(bool IsEvent, uint Type, uint Id, int Length, int Seed)
    {
        public override string ToString() => IsEvent ? $"event {Length}" : $"stray type {Type} id {Id} {Length}";
    }

    public sealed record Reply(ReplyKind Kind, int Length, uint Type, byte[] ErrorPayload, int Seed)
    {
        public override string ToString() => Kind switch
        {
            ReplyKind.Error => $"error \"{Printable(ErrorPayload)}\"",
            ReplyKind.WrongType => $"type {Type} {Length}",
            _ => $"value {Length}",
        };
    }

    public abstract record Step;

    public sealed record RequestStep(uint Type, uint Transaction, int PayloadLength, int ReplyCapacity, Unsolicited[] Before, Reply Reply, bool TakeAfter) : Step
    {
        public override string ToString() =>
            $"request type {Type} tx {Transaction} payload {PayloadLength} buffer {ReplyCapacity} [{string.Join(", ", Before.AsEnumerable())}] -> {Reply}{(TakeAfter ? ", take" : "")}";
    }

    public sealed record UnsolicitedStep(Unsolicited[] Messages, int Drains, bool TakeAfter) : Step
    {
        public override string ToString() => $"unsolicited [{string.Join(", ", Messages.AsEnumerable())}] drains {Drains}{(TakeAfter ? ", take" : "")}";
    }

    public sealed record Scenario(int Seed, int MaxChunk, uint RequestStart, uint ResponseStart, Step[] Steps)
    {
        public override string ToString() =>
            $"seed {Seed} chunk {MaxChunk} req@{RequestStart:x} rsp@{ResponseStart:x}:\n  " + string.Join("\n  ", Steps.AsEnumerable());
    }

    // Message sizes: mostly small, some larger than a watch-event slot or the ring, up to XENSTORE_PAYLOAD_MAX.
    private static readonly Gen<int> Lengths = Gen.Frequency(
        (9, (IGen<int>)Gen.Int[0, 64]), (3, Gen.Int[65, 320]), (1, Gen.Int[321, (int)PayloadMax]),
        (1, Gen.OneOf(0, 1, 255, 256, 257, 1007, 1008, 1024, 1025, 4095, 4096)));

    private static readonly Gen<uint> IndexStarts = Gen.OneOf(
        (IGen<uint>)Gen.UInt, Gen.OneOf(0u, 1u, 1023u, 1024u, 0xFFFF_FC00u, 0xFFFF_FFF0u, 0xFFFF_FFFFu), Gen.UInt[0xFFFF_F000u, 0xFFFF_FFFFu]);

    private static readonly Gen<uint> StrayTypes = Gen.Frequency(
        (4, (IGen<uint>)Gen.UInt[0, 30]), (1, Gen.UInt)).Select(t => t == XenStoreMessage.WatchEvent ? t + 1 : t);

    // Before a reply: events (request id anything) and strays (an id other than the request's, fixed up
    // when the request is seen).
    private static readonly Gen<Unsolicited> BeforeReply = Gen.Frequency(
        (3, (IGen<Unsolicited>)Gen.Select(Gen.UInt, Lengths, Gen.Int, (id, length, seed) => new Unsolicited(true, XenStoreMessage.WatchEvent, id, length, seed))),
        (1, Gen.Select(StrayTypes, Gen.Frequency((3, (IGen<uint>)Gen.UInt[0, 40]), (1, Gen.UInt)), Lengths, Gen.Int,
            (type, id, length, seed) => new Unsolicited(false, type, id, length, seed))));

    // Between requests: strays there carry ids no request of a scenario uses, as xenstored's would.
    private static readonly Gen<Unsolicited> BetweenRequests = Gen.Frequency(
        (4, (IGen<Unsolicited>)Gen.Select(Gen.UInt, Lengths, Gen.Int, (id, length, seed) => new Unsolicited(true, XenStoreMessage.WatchEvent, id, length, seed))),
        (1, Gen.Select(StrayTypes, Gen.UInt[0x1000_0000, uint.MaxValue], Lengths, Gen.Int,
            (type, id, length, seed) => new Unsolicited(false, type, id, length, seed))));

    private static readonly string[] ErrorNames = XsdErrors.Keys.ToArray();

    private static readonly Gen<byte[]> ErrorPayloads = Gen.Frequency(
        (6, (IGen<byte[]>)Gen.OneOf(ErrorNames).Select(name => Encoding.ASCII.GetBytes(name + "\0"))),
        (2, Gen.OneOf(ErrorNames).Select(name => Encoding.ASCII.GetBytes(name))),
        (1, Gen.OneOf(ErrorNames).Select(name => Encoding.ASCII.GetBytes(name + "\0\0"))),
        (2, Gen.OneOf("EPROTO\0", "ESRCH\0", "ENOBUFS\0", "EMSGSIZE\0", "EWHATEVER\0", "einval\0", "EINVAL ", "\0", "", "EQUOTA\0", "ENOENTX\0", "ENOENTENOENTENOE", "ENOENTENOENTENOEN")
            .Select(name => Encoding.ASCII.GetBytes(name))),
        (1, Gen.Byte.Array[0, 20]),
        (1, Gen.Select(Lengths, Gen.Int, (n, seed) => Bytes(seed, n))));

    private static readonly Gen<Reply> Replies = Gen.Frequency(
        (6, (IGen<Reply>)Gen.Select(Lengths, Gen.Int, (length, seed) => new Reply(ReplyKind.Value, length, 0, Array.Empty<byte>(), seed))),
        (3, ErrorPayloads.Select(payload => new Reply(ReplyKind.Error, payload.Length, XenStoreMessage.Error, payload, 0))),
        (1, Gen.Select(StrayTypes, Lengths, Gen.Int, (type, length, seed) => new Reply(ReplyKind.WrongType, length, type, Array.Empty<byte>(), seed))));

    private static readonly Gen<int> ReplyCapacities = Gen.Frequency(
        (3, (IGen<int>)Gen.Int[0, 64]), (2, Gen.Int[0, 4200]), (1, Gen.OneOf(0, 8, 256, 4095, 4096)));

    private static readonly Gen<int> PayloadLengths = Gen.Frequency(
        (8, (IGen<int>)Gen.Int[0, 80]), (2, Gen.Int[81, (int)PayloadMax]), (1, Gen.OneOf(1024, 4096, 4097, 5000)));

    private static readonly Gen<Step> RequestSteps =
        Gen.Select(Gen.OneOf(RequestTypes), Gen.Frequency((3, (IGen<uint>)Gen.Const(0u)), (1, Gen.UInt)), PayloadLengths, ReplyCapacities,
                BeforeReply.Array[0, 3], Replies, Gen.Bool,
                (type, tx, payload, capacity, before, reply, take) => (Step)new RequestStep(type, tx, payload, capacity, before, reply, take));

    private static readonly Gen<Step> UnsolicitedSteps =
        Gen.Select(BetweenRequests.Array[1, 4], Gen.Int[0, 4], Gen.Bool, (messages, drains, take) => (Step)new UnsolicitedStep(messages, drains, take));

    private static readonly Gen<Scenario> WellFormed =
        Gen.Select(Gen.Int, Gen.Frequency((1, 1), (2, 7), (3, 64), (2, 333), (2, 1024)), IndexStarts, IndexStarts,
            Gen.Frequency((2, RequestSteps), (1, UnsolicitedSteps)).Array[1, 8],
            (seed, chunk, req, rsp, steps) => new Scenario(seed, chunk, req, rsp, steps));

    [Fact]
    public void Well_formed_streams_give_the_models_results_and_stay_in_step() =>
        Property.Check(WellFormed, RunWellFormed, s => s.ToString());

    private enum MessageKind { Event, Stray, Reply }

    // What the client must have done with the stream once it has consumed a given number of its bytes:
    // a message is begun when its header is read (an event then gets a slot, or is dropped with the
    // overflow flag when the queue is full or it is larger than a slot), complete when its last byte is;
    // an empty event is dropped without the flag.
    private sealed class StreamModel
    {
        private readonly List<(int Start, int End, MessageKind Kind, byte[] Payload)> _messages = new();
        private int _next;
        private bool _begun, _slot;
        public readonly Queue<byte[]> Events = new();
        public bool Overflowed;
        public ulong Strays;

        public void Add(int start, MessageKind kind, byte[] payload) => _messages.Add((start, start + 16 + payload.Length, kind, payload));

        public void Sync(int consumed)
        {
            while (_next < _messages.Count)
            {
                var m = _messages[_next];
                if (!_begun)
                {
                    if (consumed < m.Start + 16) return;
                    _begun = true;
                    _slot = false;
                    if (m.Kind == MessageKind.Stray) Strays++;
                    else if (m.Kind == MessageKind.Event)
                    {
                        if (Events.Count == XenStoreClient.MaxWatchEvents || m.Payload.Length > XenStoreClient.MaxWatchEventBytes) Overflowed = true;
                        else _slot = m.Payload.Length > 0; // an empty event names nothing: not queued
                    }
                }
                if (consumed < m.End) return;
                if (_slot) Events.Enqueue(m.Payload);
                _begun = false;
                _next++;
            }
        }
    }

    private static void RunWellFormed(Scenario scenario)
    {
        using var server = new FakeXenStored(scenario.Seed, scenario.MaxChunk, scenario.RequestStart, scenario.ResponseStart, strict: true);
        var model = new StreamModel();
        uint nextId = 1;

        void Send(MessageKind kind, uint type, uint id, byte[] payload)
        {
            model.Add(server.Queued, kind, payload);
            server.Queue(FakeXenStored.Message(type, id, payload));
        }

        void Take()
        {
            model.Sync(server.Consumed);
            Assert.Equal(model.Events.Count, server.Client.PendingWatchEvents);
            TakeAll(server, model.Overflowed, model.Events);
            model.Overflowed = false;
        }

        foreach (Step step in scenario.Steps)
        {
            if (step is UnsolicitedStep between)
            {
                foreach (var m in between.Messages) Send(m.IsEvent ? MessageKind.Event : MessageKind.Stray, m.Type, m.Id, Bytes(m.Seed, m.Length));
                for (int i = 0; i < between.Drains; i++)
                {
                    server.DeliverSome();
                    server.Client.DrainUnsolicited();
                    Assert.False(server.Client.IsBroken, "broken by well-formed unsolicited messages");
                }
                server.CheckGuards();
                if (between.TakeAfter) Take();
                continue;
            }

            var request = (RequestStep)step;
            byte[] payload = Bytes(request.Transaction.GetHashCode() ^ request.PayloadLength, request.PayloadLength);
            byte[] buffer = new byte[request.ReplyCapacity + 2 * Pad];
            buffer.AsSpan().Fill(Untouched);
            Span<byte> reply = buffer.AsSpan(Pad, request.ReplyCapacity);
            int requestsBefore = server.Requests.Count, consumedBefore = server.Consumed;
            byte[] replyPayload = request.Reply.Kind == ReplyKind.Error ? request.Reply.ErrorPayload : Bytes(request.Reply.Seed, request.Reply.Length);
            int replyEnd = -1;

            if (request.PayloadLength <= PayloadMax)
            {
                uint id = nextId++;
                server.Answer = (header, _) =>
                {
                    foreach (var m in request.Before)
                        Send(m.IsEvent ? MessageKind.Event : MessageKind.Stray, m.Type, !m.IsEvent && m.Id == id ? id + 1 : m.Id, Bytes(m.Seed, m.Length));
                    uint type = request.Reply.Kind switch
                    {
                        ReplyKind.Value => request.Type,
                        ReplyKind.Error => XenStoreMessage.Error,
                        _ => request.Reply.Type == request.Type || request.Reply.Type == XenStoreMessage.Error ? request.Type + 100 : request.Reply.Type,
                    };
                    Send(MessageKind.Reply, type, header.RequestId, replyPayload);
                    replyEnd = server.Queued;
                    server.Answer = null;
                    return null;
                };
            }

            long rc = server.Client.Request(request.Type, request.Transaction, payload, reply);

            long expected = Expected(request, replyPayload);
            Assert.True(expected == rc, $"result {rc}, the model says {expected}");
            Assert.False(server.Client.IsBroken, "broken by a well-formed stream");
            server.CheckGuards();
            if (request.PayloadLength > PayloadMax)
            {
                Assert.Equal(requestsBefore, server.Requests.Count);
                Assert.Equal(consumedBefore, server.Consumed);
                Assert.True(!buffer.AsSpan().ContainsAnyExcept(Untouched), "reply buffer written for a refused request");
                continue;
            }

            // The request went out as sent, and the stream was read exactly up to the end of its reply.
            Assert.Equal(requestsBefore + 1, server.Requests.Count);
            var (sent, sentPayload) = server.Requests[^1];
            Assert.Equal((request.Type, nextId - 1, request.Transaction, (uint)payload.Length), (sent.Type, sent.RequestId, sent.TransactionId, sent.Length));
            Assert.True(sentPayload.AsSpan().SequenceEqual(payload), "request payload changed on the ring");
            Assert.Equal(replyEnd, server.Consumed);

            // Only the reply's bytes were written, and only into the caller's buffer.
            int written = rc > 0 ? (int)rc : 0;
            Assert.True(reply.Slice(0, written).SequenceEqual(replyPayload.AsSpan(0, written)), "reply bytes differ from what was sent");
            Assert.True(!buffer.AsSpan(0, Pad).ContainsAnyExcept(Untouched) && !buffer.AsSpan(Pad + written).ContainsAnyExcept(Untouched),
                "written outside the reply's bytes");
            if (request.TakeAfter) Take();
        }

        // Whatever is still on its way arrives in pieces and is read between requests.
        for (int rounds = 0; server.Undelivered > 0 || server.Page->RspProd != server.Page->RspCons; rounds++)
        {
            Assert.True(rounds <= server.Queued, "the client stopped reading complete messages");
            server.DeliverSome(atLeastOne: true);
            server.Client.DrainUnsolicited();
        }
        Take();
        Assert.Equal(server.Queued, server.Consumed);
        Assert.Equal(model.Strays, server.Client.StrayReplies);
        Assert.False(server.Client.IsBroken);
        server.CheckGuards();
    }

    private static long Expected(RequestStep request, byte[] replyPayload)
    {
        if (request.PayloadLength > PayloadMax) return EMSGSIZE;
        switch (request.Reply.Kind)
        {
            case ReplyKind.Value:
                return replyPayload.Length <= request.ReplyCapacity ? replyPayload.Length : ENOBUFS;
            case ReplyKind.Error:
                if (replyPayload.Length == 0 || replyPayload.Length > 16) return EPROTO;
                int end = replyPayload[^1] == 0 ? replyPayload.Length - 1 : replyPayload.Length;
                return XsdErrors.TryGetValue(Encoding.Latin1.GetString(replyPayload, 0, end), out long errno) ? errno : EPROTO;
            default:
                return EPROTO;
        }
    }

    private static void TakeAll(FakeXenStored server, bool overflowed, Queue<byte[]> expected)
    {
        byte[] buffer = new byte[XenStoreClient.MaxWatchEventBytes + 2 * Pad];
        for (bool first = true; ; first = false)
        {
            buffer.AsSpan().Fill(Untouched);
            int n = server.Client.TakeWatchEvent(buffer.AsSpan(Pad, XenStoreClient.MaxWatchEventBytes), out bool flag);
            Assert.True(flag == (first && overflowed), $"overflow flag {flag}, the model says {first && overflowed}");
            Assert.True(!buffer.AsSpan(0, Pad).ContainsAnyExcept(Untouched) && !buffer.AsSpan(Pad + n).ContainsAnyExcept(Untouched), "written outside the event");
            if (n == 0)
            {
                Assert.True(expected.Count == 0, $"{expected.Count} watch events missing");
                return;
            }
            Assert.True(expected.Count > 0, "a watch event nobody sent");
            byte[] next = expected.Dequeue();
            Assert.True(buffer.AsSpan(Pad, n).SequenceEqual(next), $"watch event of {n} bytes differs from the {next.Length} sent");
        }
    }

    // ---- Hostile streams: anything at all ----

    public abstract record HostileStep;
    // What xenstored sends back for a request, with its id: of the request's type unless Type says
    // otherwise, with a length field that may lie, and whatever bytes follow.
    public sealed record Answer(uint? Type, uint? Length, byte[] Payload)
    {
        public override string ToString() => $"type {Type?.ToString() ?? "same"} length {Length?.ToString() ?? "true"} {Printable(Payload)}";
    }

    public sealed record HostileRequest(uint Type, uint Transaction, int PayloadLength, int ReplyCapacity, Answer? Answer) : HostileStep
    {
        public override string ToString() => $"request type {Type} payload {PayloadLength} buffer {ReplyCapacity} answer {Answer?.ToString() ?? "none"}";
    }
    public sealed record Feed(byte[] Bytes, int Deliver) : HostileStep
    {
        public override string ToString() => $"feed {Printable(Bytes)} deliver {Deliver}";
    }
    public sealed record Drain : HostileStep;
    public sealed record TakeEvents : HostileStep;
    public sealed record Corrupt(int Index, uint Value, bool Relative) : HostileStep;

    public sealed record HostileScenario(int Seed, int MaxChunk, uint RequestStart, uint ResponseStart, HostileStep[] Steps)
    {
        public override string ToString() =>
            $"seed {Seed} chunk {MaxChunk} req@{RequestStart:x} rsp@{ResponseStart:x}:\n  " + string.Join("\n  ", Steps.AsEnumerable());
    }

    private static readonly Gen<uint> HeaderLengths = Gen.Frequency(
        (6, (IGen<uint>)Gen.UInt[0, 300]), (1, Gen.OneOf(4095u, 4096u, 4097u, 65536u, uint.MaxValue)), (1, Gen.UInt));

    // A header with fields of interest (or anything), followed by any number of payload bytes.
    private static readonly Gen<byte[]> Segments = Gen.Frequency(
        (2, (IGen<byte[]>)Gen.Byte.Array[0, 40]),
        (5, Gen.Select(Gen.Frequency((4, (IGen<uint>)Gen.OneOf(1u, 2u, 15u, 15u, 16u)), (1, Gen.UInt)),
            Gen.Frequency((4, (IGen<uint>)Gen.UInt[0, 4]), (1, Gen.UInt)), HeaderLengths, Gen.Int[0, 600], Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false))), Gen.Int,
            (type, id, length, extra, exact, seed) =>
                FakeXenStored.Message(type, id, 0, length, Bytes(seed, exact && length <= 600 ? (int)length : extra)))));

    private static readonly Gen<Answer> Answers = Gen.Select(
        Gen.Frequency((4, (IGen<uint?>)Gen.Const((uint?)null)), (2, Gen.Const((uint?)XenStoreMessage.Error)), (1, Gen.Const((uint?)XenStoreMessage.WatchEvent)), (1, Gen.UInt.Select(t => (uint?)t))),
        Gen.Frequency((4, (IGen<uint?>)Gen.Const((uint?)null)), (1, HeaderLengths.Select(n => (uint?)n))),
        Gen.Frequency((3, (IGen<byte[]>)Gen.Select(Lengths, Gen.Int, (n, seed) => Bytes(seed, n))), (2, ErrorPayloads), (1, Segments.Array[1, 3].Select(a => a.SelectMany(b => b).ToArray()))),
        (type, length, payload) => new Answer(type, length, payload));

    private static readonly Gen<HostileStep> HostileSteps = Gen.Frequency(
        (4, (IGen<HostileStep>)Gen.Select(Gen.Frequency((3, (IGen<uint>)Gen.OneOf(RequestTypes)), (1, Gen.UInt)), Gen.UInt, PayloadLengths, ReplyCapacities,
            Gen.Frequency((1, (IGen<Answer?>)Gen.Const((Answer?)null)), (4, Answers.Select(a => (Answer?)a))),
            (type, tx, payload, capacity, answer) => (HostileStep)new HostileRequest(type, tx, payload, capacity, answer))),
        (4, Gen.Select(Segments.Array[1, 4], Gen.Int[0, 2048], (segments, deliver) => (HostileStep)new Feed(segments.SelectMany(s => s).ToArray(), deliver))),
        (2, Gen.Const<HostileStep>(new Drain())),
        (2, Gen.Const<HostileStep>(new TakeEvents())),
        (1, Gen.Select(Gen.Int[0, 3], Gen.Frequency((2, (IGen<uint>)Gen.UInt[0, 2048]), (1, Gen.UInt)), Gen.Bool,
            (index, value, relative) => (HostileStep)new Corrupt(index, value, relative))));

    private static readonly Gen<HostileScenario> Hostile =
        Gen.Select(Gen.Int, Gen.OneOf(1, 5, 64, 1024), IndexStarts, IndexStarts, HostileSteps.Array[1, 12],
            (seed, chunk, req, rsp, steps) => new HostileScenario(seed, chunk, req, rsp, steps));

    [Fact]
    public void Hostile_streams_give_a_length_or_a_documented_errno_and_stay_in_bounds() =>
        Property.Check(Hostile, RunHostile, s => s.ToString());

    private static void RunHostile(HostileScenario scenario)
    {
        using var server = new FakeXenStored(scenario.Seed, scenario.MaxChunk, scenario.RequestStart, scenario.ResponseStart, strict: false);
        byte[] events = new byte[XenStoreClient.MaxWatchEventBytes + 2 * Pad];
        foreach (HostileStep step in scenario.Steps)
        {
            bool wasBroken = server.Client.IsBroken;
            switch (step)
            {
                case HostileRequest request:
                {
                    bool responsesCorrupt = server.Page->RspProd - server.Page->RspCons > FakeXenStored.RingSize;
                    bool requestsCorrupt = server.Page->ReqProd - server.Page->ReqCons > FakeXenStored.RingSize;
                    server.Answer = request.Answer is not { } answer ? null : (header, _) =>
                    {
                        server.Answer = null;
                        return FakeXenStored.Message(answer.Type ?? header.Type, header.RequestId, 0, answer.Length ?? (uint)answer.Payload.Length, answer.Payload);
                    };
                    byte[] buffer = new byte[request.ReplyCapacity + 2 * Pad];
                    buffer.AsSpan().Fill(Untouched);
                    long rc = server.Client.Request(request.Type, request.Transaction, new byte[request.PayloadLength], buffer.AsSpan(Pad, request.ReplyCapacity));
                    server.Answer = null;

                    Assert.True(rc >= 0 ? rc <= request.ReplyCapacity : DocumentedErrors.Contains(rc), $"result {rc} for a buffer of {request.ReplyCapacity}");
                    int written = rc >= 0 ? (int)rc : request.ReplyCapacity; // a failed read may leave part of a reply
                    Assert.True(!buffer.AsSpan(0, Pad).ContainsAnyExcept(Untouched) && !buffer.AsSpan(Pad + written).ContainsAnyExcept(Untouched),
                        "written outside the reply");
                    if (wasBroken) Assert.Equal(EPROTO, rc);
                    else if (request.PayloadLength > PayloadMax) Assert.Equal(EMSGSIZE, rc);
                    else if (responsesCorrupt || requestsCorrupt) Assert.True(rc == EPROTO && server.Client.IsBroken, $"corrupt indices gave {rc}");
                    break;
                }
                case Feed feed:
                    server.Queue(feed.Bytes);
                    server.Deliver(feed.Deliver);
                    break;
                case Drain:
                    server.Client.DrainUnsolicited();
                    break;
                case TakeEvents:
                    Assert.InRange(server.Client.PendingWatchEvents, 0, XenStoreClient.MaxWatchEvents);
                    while (true)
                    {
                        events.AsSpan().Fill(Untouched);
                        int n = server.Client.TakeWatchEvent(events.AsSpan(Pad, XenStoreClient.MaxWatchEventBytes), out _);
                        Assert.InRange(n, 0, XenStoreClient.MaxWatchEventBytes);
                        Assert.True(!events.AsSpan(0, Pad).ContainsAnyExcept(Untouched) && !events.AsSpan(Pad + n).ContainsAnyExcept(Untouched), "written outside the event");
                        if (n == 0) break;
                    }
                    break;
                case Corrupt corrupt:
                {
                    uint* index = corrupt.Index switch
                    {
                        0 => &server.Page->RspProd, 1 => &server.Page->RspCons, 2 => &server.Page->ReqProd, _ => &server.Page->ReqCons,
                    };
                    *index = corrupt.Relative ? *index + corrupt.Value : corrupt.Value;
                    break;
                }
            }
            if (wasBroken) Assert.True(server.Client.IsBroken, "a broken stream recovered by itself");
            Assert.InRange(server.Client.PendingWatchEvents, 0, XenStoreClient.MaxWatchEvents);
            server.CheckGuards();
        }
    }

    // ---- Helpers ----

    private static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Printable(byte[] bytes) =>
        bytes.Length > 24 ? $"{bytes.Length} bytes" : string.Concat(bytes.Select(b => b >= 0x20 && b < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}"));
}
