using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using CsCheck;
using Unikernel.Core.Net;

namespace Unikernel.Tests.Core.Net;

// The DHCP client against scripted server replies (RFC 2131 4.4): the messages it sends byte for byte where
// the protocol fixes them, its retries and timers, and replies it must ignore.
public sealed class DhcpClientTests
{
    private const ulong S = DhcpClient.Second;
    private const uint Xid = 0x1234ABCD, Server = 0xA9FE0001, Offered = 0xA9FE0064; // 169.254.0.1, 169.254.0.100
    private static readonly MacAddress Mac = new(0x00163E000042);

    // A server's reply: options as (code, bytes) pairs, then end.
    private static byte[] Reply(byte type, uint xid = Xid, uint yiaddr = Offered, MacAddress? mac = null, params (byte Code, byte[] Value)[] options)
    {
        var m = new byte[300];
        m[0] = DhcpMessage.OpReply; m[1] = 1; m[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), xid);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(16), yiaddr);
        (mac ?? Mac).Write(m, 28);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(236), DhcpMessage.MagicCookie);
        int i = 240;
        m[i++] = 53; m[i++] = 1; m[i++] = type;
        foreach (var (code, value) in options)
        {
            m[i++] = code; m[i++] = (byte)value.Length;
            value.CopyTo(m, i);
            i += value.Length;
        }
        m[i] = 255;
        return m;
    }

    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }

    private static (byte Code, byte[] Value) Opt(byte code, uint v) => (code, U32(v));

    private static readonly (byte, byte[])[] Lease =
    {
        Opt(54, Server), Opt(1, 0xFFFF0000), Opt(3, 0xA9FE00FE), Opt(51, 600),
    };

    private static Dictionary<byte, byte[]> Options(byte[] message)
    {
        var options = new Dictionary<byte, byte[]>();
        for (int i = 240; message[i] != 255;)
        {
            if (message[i] == 0) { i++; continue; }
            options[message[i]] = message.AsSpan(i + 2, message[i + 1]).ToArray();
            i += 2 + message[i + 1];
        }
        return options;
    }

    private static byte[]? Poll(ref DhcpClient c, ulong now)
    {
        var buffer = new byte[DhcpMessage.MinBytes];
        int n = c.Poll(now, buffer);
        return n == 0 ? null : buffer[..n];
    }

    private static DhcpClient Bound(ulong at = 0)
    {
        var c = new DhcpClient();
        c.Start(Mac, Xid, at);
        Poll(ref c, at);
        c.Receive(Reply(DhcpMessage.Offer, options: Lease), at);
        Poll(ref c, at);
        c.Receive(Reply(DhcpMessage.Ack, options: Lease), at);
        Assert.True(c.IsBound);
        return c;
    }

    [Fact]
    public void Discover_offer_request_ack_binds_the_offered_address()
    {
        var c = new DhcpClient();
        c.Start(Mac, Xid, 5 * S);
        byte[] discover = Poll(ref c, 5 * S)!;
        Assert.Equal(300, discover.Length);
        Assert.Equal(new byte[] { 1, 1, 6, 0, 0x12, 0x34, 0xAB, 0xCD, 0, 0, 0x80, 0 }, discover[..12]); // broadcast flag
        Assert.Equal(new byte[] { 0x00, 0x16, 0x3E, 0x00, 0x00, 0x42 }, discover[28..34]);
        Assert.Equal(new byte[] { 99, 130, 83, 99 }, discover[236..240]);
        var options = Options(discover);
        Assert.Equal(new byte[] { 1 }, options[53]);
        Assert.Equal(new byte[] { 1, 3, 51 }, options[55]);
        Assert.False(options.ContainsKey(50));
        Assert.Null(Poll(ref c, 5 * S + S / 2)); // nothing until the retry

        c.Receive(Reply(DhcpMessage.Offer, options: Lease), 6 * S);
        Assert.Equal(DhcpClient.State.Requesting, c.Current);
        byte[] request = Poll(ref c, 6 * S)!;
        options = Options(request);
        Assert.Equal(new byte[] { 3 }, options[53]);
        Assert.Equal(U32(Offered), options[50]);
        Assert.Equal(U32(Server), options[54]);
        Assert.Equal(1, request[9]); // secs: one second since the start

        c.Receive(Reply(DhcpMessage.Ack, options: Lease), 7 * S);
        Assert.True(c.IsBound);
        Assert.Equal((Offered, 16, 0xA9FE00FEu, 600u), (c.Address, c.PrefixLength, c.Router, c.LeaseSeconds));
        Assert.Equal(7 * S + 300 * S, c.NextDeadline); // T1: half the lease
    }

    [Fact]
    public void Discover_is_retried_with_the_interval_doubling_up_to_its_cap()
    {
        var c = new DhcpClient();
        c.Start(Mac, Xid, 0);
        var sent = new List<ulong>();
        for (ulong t = 0; t <= 40 * S; t += S / 4)
            if (Poll(ref c, t) != null) sent.Add(t / S);
        Assert.Equal(new ulong[] { 0, 1, 3, 7, 15, 23, 31, 39 }, sent);
    }

    [Fact]
    public void Requests_without_an_answer_go_back_to_discover()
    {
        var c = new DhcpClient();
        c.Start(Mac, Xid, 0);
        Poll(ref c, 0);
        c.Receive(Reply(DhcpMessage.Offer, options: Lease), 0);
        var types = new List<byte>();
        for (ulong t = 0; t <= 30 * S; t += S / 4)
            if (Poll(ref c, t) is { } m) types.Add(Options(m)[53][0]);
        Assert.Equal(new byte[] { 3, 3, 3, 3, 1 }, types.GetRange(0, 5).ToArray());
        Assert.Equal(DhcpClient.State.Selecting, c.Current);
    }

    [Fact]
    public void A_nak_starts_over_and_foreign_or_broken_replies_are_ignored()
    {
        var c = new DhcpClient();
        c.Start(Mac, Xid, 0);
        Poll(ref c, 0);
        c.Receive(Reply(DhcpMessage.Offer, xid: Xid + 1, options: Lease), 0);               // another transaction
        c.Receive(Reply(DhcpMessage.Offer, mac: new MacAddress(0x00163E000043), options: Lease), 0); // another client
        c.Receive(Reply(DhcpMessage.Ack, options: Lease), 0);                               // an ACK before any offer
        c.Receive(Reply(DhcpMessage.Offer, options: new[] { Opt(1, 0xFFFF0000) }), 0);      // no server id
        Assert.Equal((4ul, DhcpClient.State.Selecting), (c.Ignored, c.Current));
        c.Receive(new byte[100], 0);
        byte[] bad = Reply(DhcpMessage.Offer, options: Lease);
        bad[242] = 200; // the message type's length runs past the end
        c.Receive(bad.AsSpan(0, 250), 0);
        Assert.Equal(2ul, c.Malformed);

        c.Receive(Reply(DhcpMessage.Offer, options: Lease), S);
        Poll(ref c, S);
        c.Receive(Reply(DhcpMessage.Nak, options: new[] { Opt(54, Server) }), S);
        Assert.Equal((1ul, DhcpClient.State.Selecting, 0u), (c.Naks, c.Current, c.Address));
        Assert.Equal(1, Options(Poll(ref c, S)!)[53][0]); // DISCOVER again at once
    }

    [Fact]
    public void At_t1_it_renews_and_an_ack_extends_the_lease()
    {
        DhcpClient c = Bound();
        Assert.Null(Poll(ref c, 299 * S));
        byte[] renew = Poll(ref c, 300 * S)!;
        Assert.Equal(DhcpClient.State.Renewing, c.Current);
        Assert.Equal(U32(Offered), renew[12..16]); // ciaddr
        Assert.Equal(0, renew[10]);                // no broadcast flag: we have an address
        Assert.False(Options(renew).ContainsKey(50));
        Assert.NotNull(Poll(ref c, 310 * S));      // retried while unanswered
        c.Receive(Reply(DhcpMessage.Ack, options: Lease), 311 * S);
        Assert.Equal(DhcpClient.State.Bound, c.Current);
        Assert.Equal(311 * S + 300 * S, c.NextDeadline);
    }

    [Fact]
    public void A_lease_that_ends_unrenewed_loses_the_address()
    {
        DhcpClient c = Bound();
        for (ulong t = 300 * S; t < 600 * S; t += 10 * S) Poll(ref c, t);
        Assert.True(c.IsBound);
        byte[] discover = Poll(ref c, 600 * S)!;
        Assert.Equal((1ul, 0u, DhcpClient.State.Selecting), (c.Losses, c.Address, c.Current));
        Assert.Equal(1, Options(discover)[53][0]);
    }

    // Random datagrams and mutated replies: parsing never throws, and what it accepts is counted once.
    [Fact]
    public void Any_datagram_is_parsed_or_counted_never_trusted_blindly()
    {
        byte[] good = Reply(DhcpMessage.Offer, options: Lease);
        Gen.OneOf(Gen.Byte.Array[0, 600], Gen.Int[0, 299].SelectMany(i => Gen.Byte.Select(b => { var m = (byte[])good.Clone(); m[i] = b; return m; })))
            .Sample(data =>
            {
                var c = new DhcpClient();
                c.Start(Mac, Xid, 0);
                c.Receive(data, 0);
                Assert.Equal(1ul, c.Malformed + c.Ignored + c.Offers);
                if (c.Offers == 1) Assert.Equal(DhcpClient.State.Requesting, c.Current);
            }, iter: 20_000);
    }
}
