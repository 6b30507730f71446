using System;
using CsCheck;
using Unikernel.Core.Net;
using Unikernel.Core.Net.Tcp;

namespace Unikernel.Tests.Core.Net.Tcp;

// The header and options parser over untrusted bytes: written headers read back the same; malformed ones are
// refused; any bytes at all are either parsed within the segment or refused, and the stack counts each refusal.
public sealed class TcpHeaderTests
{
    private static readonly Gen<TcpHeader> Headers =
        Gen.Select(Gen.UShort, Gen.UShort, Gen.UInt, Gen.UInt, Gen.Byte, Gen.UShort, Gen.UShort, Gen.UShort)
            .SelectMany(t => Gen.Select(Gen.UShort, Gen.Bool, Gen.Byte, Gen.Bool, Gen.Bool, Gen.UInt, Gen.UInt)
                .Select(o => new TcpHeader
                {
                    SourcePort = t.Item1, DestinationPort = t.Item2, Sequence = t.Item3, Acknowledgment = t.Item4,
                    Flags = t.Item5, Window = t.Item6, Checksum = t.Item7, Urgent = t.Item8,
                    Mss = o.Item1, HasWindowScale = o.Item2, WindowScale = o.Item2 ? o.Item3 : (byte)0, SackPermitted = o.Item4,
                    HasTimestamps = o.Item5, TimestampValue = o.Item5 ? o.Item6 : 0, TimestampEcho = o.Item5 ? o.Item7 : 0,
                }));

    [Fact]
    public void Written_headers_parse_back_the_same()
    {
        Property.Check(Gen.Select(Headers, Gen.Byte.Array[0, 100]), input =>
        {
            var (header, data) = input;
            var bytes = new byte[header.EncodedLength + data.Length];
            int n = header.Write(bytes);
            Assert.Equal(header.EncodedLength, n);
            data.CopyTo(bytes, n);
            Assert.Equal(TcpParseResult.Ok, TcpHeader.TryParse(bytes, out TcpHeader read));
            header.HeaderLength = n;
            Assert.Equal(header, read);
        });
    }

    [Fact]
    public void Arbitrary_bytes_parse_within_the_segment_or_are_refused()
    {
        Property.Check(Gen.Byte.Array[0, 80], bytes =>
        {
            TcpParseResult result = TcpHeader.TryParse(bytes, out TcpHeader h);
            if (result == TcpParseResult.Ok)
            {
                Assert.InRange(h.HeaderLength, 20, bytes.Length);
                Assert.Equal(bytes[12] >> 4, h.HeaderLength / 4);
            }
        });
    }

    // Mutations of a valid SYN with options: a flipped byte, or a cut, is parsed or refused, never trusted past
    // the segment; through the stack each one is counted as dropped or handled, and nothing crashes.
    [Fact]
    public void Mutated_segments_never_crash_the_stack_and_bad_ones_are_counted()
    {
        Property.Check(Gen.Select(Gen.Int[0, 40], Gen.Byte, Gen.Int[0, 48], Gen.Bool), input =>
        {
            var (index, value, cut, validate) = input;
            TcpConfig config = TcpHost.Config();
            config.MaxConnections = 2;
            config.SendBufferBytes = config.ReceiveBufferBytes = 4096;
            using var host = new TcpHost(config); // samples run in parallel: one stack each
            host.Stack.Listen(80);
            byte[] segment = TcpHost.Segment(1000, 80, 5, 0, TcpFlags.Syn, mss: 1460, windowScale: 7, data: new byte[8]);
            segment[index % segment.Length] = value;
            byte[] bytes = segment[..Math.Min(cut, segment.Length)];
            if (cut >= segment.Length) bytes = segment;
            TcpCounters before = host.Stack.Counters;
            host.Stack.Receive(TcpHost.Remote, TcpHost.Local, bytes, !validate, 0);
            TcpCounters after = host.Stack.Counters;
            Assert.Equal(before.SegmentsIn + 1, after.SegmentsIn);
            bool parsed = TcpHeader.TryParse(bytes, out _) == TcpParseResult.Ok;
            bool checksumOk = !validate || TcpHeader.VerifyChecksum(bytes, TcpHost.Remote, TcpHost.Local);
            if (!checksumOk) Assert.Equal(before.DropBadChecksum + 1, after.DropBadChecksum);
            else if (!parsed) Assert.Equal(before.DropMalformed + 1, after.DropMalformed);
        });
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 4, 5 })]         // MSS cut short by the header's end
    [InlineData(new byte[] { 2, 3, 5, 0 })]         // MSS with length 3
    [InlineData(new byte[] { 3, 4, 1, 0 })]         // window scale with length 4
    [InlineData(new byte[] { 9, 1, 0, 0 })]         // length below 2
    [InlineData(new byte[] { 1, 1, 1, 30 })]        // length past the header
    [InlineData(new byte[] { 8, 10, 0, 0 })]        // timestamps past the header
    [InlineData(new byte[] { 4, 3, 0, 0 })]         // SACK-permitted with length 3
    public void Malformed_options_are_refused(byte[] options)
    {
        var bytes = new byte[20 + options.Length];
        bytes[12] = (byte)((bytes.Length / 4) << 4);
        options.CopyTo(bytes, 20);
        Assert.Equal(TcpParseResult.BadOption, TcpHeader.TryParse(bytes, out _));
    }

    [Fact]
    public void Options_after_end_of_list_are_ignored_and_unknown_ones_skipped()
    {
        byte[] options = { 30, 4, 9, 9, 2, 4, 0x05, 0xB4, 0, 77, 77, 77 };
        var bytes = new byte[20 + options.Length];
        bytes[12] = (byte)((bytes.Length / 4) << 4);
        options.CopyTo(bytes, 20);
        Assert.Equal(TcpParseResult.Ok, TcpHeader.TryParse(bytes, out TcpHeader h));
        Assert.Equal(1460, h.Mss);
    }

    [Fact]
    public void Data_offset_below_five_or_past_the_segment_is_refused()
    {
        var bytes = new byte[24];
        bytes[12] = 4 << 4;
        Assert.Equal(TcpParseResult.BadDataOffset, TcpHeader.TryParse(bytes, out _));
        bytes[12] = 7 << 4;
        Assert.Equal(TcpParseResult.BadDataOffset, TcpHeader.TryParse(bytes, out _));
        Assert.Equal(TcpParseResult.TooShort, TcpHeader.TryParse(bytes.AsSpan(0, 19), out _));
    }

    [Fact]
    public void The_checksum_covers_the_pseudo_header()
    {
        byte[] segment = TcpHost.Segment(1, 2, 3, 4, TcpFlags.Ack, data: new byte[] { 1, 2, 3 });
        Assert.True(TcpHeader.VerifyChecksum(segment, TcpHost.Remote, TcpHost.Local));
        Assert.False(TcpHeader.VerifyChecksum(segment, TcpHost.Remote + 1, TcpHost.Local));
    }
}
