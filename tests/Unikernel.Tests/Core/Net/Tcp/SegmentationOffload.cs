using System;
using System.Collections.Generic;
using System.Buffers.Binary;
using Unikernel.Core.Net;
using Unikernel.Core.Net.Tcp;

namespace Unikernel.Tests.Core.Net.Tcp;

// What a device with TCP segmentation offload does with a large segment (Linux's tcp_gso_segment): the
// header repeated on every packet of segmentSize payload bytes, sequence numbers advanced, FIN and PSH only
// on the last, each checksum completed. The segment must carry the pseudo-header's sum (CHECKSUM_PARTIAL).
internal static class SegmentationOffload
{
    public static List<byte[]> Cut(ReadOnlySpan<byte> segment, int segmentSize, uint source, uint destination)
    {
        Assert.Equal(TcpParseResult.Ok, TcpHeader.TryParse(segment, out TcpHeader h));
        ushort partial = (ushort)~InternetChecksum.Finish(InternetChecksum.PseudoHeader(source, destination, 6, segment.Length));
        Assert.Equal(partial, BinaryPrimitives.ReadUInt16BigEndian(segment.Slice(16)));
        int headerLength = h.HeaderLength, payload = segment.Length - headerLength;
        Assert.True(payload > 0 && segmentSize > 0, "a large segment without data");
        var packets = new List<byte[]>();
        for (int offset = 0; offset < payload; offset += segmentSize)
        {
            int length = Math.Min(segmentSize, payload - offset);
            bool last = offset + length == payload;
            var packet = new byte[headerLength + length];
            segment.Slice(0, headerLength).CopyTo(packet);
            segment.Slice(headerLength + offset, length).CopyTo(packet.AsSpan(headerLength));
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), h.Sequence + (uint)offset);
            if (!last) packet[13] &= unchecked((byte)~(TcpFlags.Fin | TcpFlags.Psh));
            TcpHeader.FillChecksum(packet, source, destination);
            packets.Add(packet);
        }
        return packets;
    }
}
