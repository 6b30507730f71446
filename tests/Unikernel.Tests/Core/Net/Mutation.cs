using System;
using CsCheck;

namespace Unikernel.Tests.Core.Net;

// Damage done to a valid packet for the never-trust tests: some bytes overwritten, then cut short or
// lengthened with junk, so every length and checksum field gets lied about sooner or later.
internal readonly record struct Mutation(int[] Positions, byte[] Values, int NewLength, byte Fill)
{
    public static readonly Gen<Mutation> Gen = CsCheck.Gen.Select(CsCheck.Gen.Int[0, 4096].Array[0, 4], CsCheck.Gen.Byte.Array[4],
        CsCheck.Gen.Int[-1, 4096], CsCheck.Gen.Byte).Select((p, v, n, f) => new Mutation(p, v, n, f));

    public byte[] Apply(byte[] packet)
    {
        var bytes = (byte[])packet.Clone();
        for (int i = 0; i < Positions.Length && bytes.Length > 0; i++) bytes[Positions[i] % bytes.Length] = Values[i];
        if (NewLength < 0) return bytes;
        int length = NewLength % (packet.Length + 64 + 1);
        var resized = new byte[length];
        Array.Fill(resized, Fill);
        Array.Copy(bytes, resized, Math.Min(length, bytes.Length));
        return resized;
    }
}

// An Internet checksum written out independently of InternetChecksum, to check the writers against.
internal static class ReferenceChecksum
{
    public static ushort Of(ReadOnlySpan<byte> data, uint start = 0)
    {
        long sum = start;
        for (int i = 0; i < data.Length; i++) sum += i % 2 == 0 ? data[i] << 8 : data[i];
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static uint Pseudo(uint source, uint destination, byte protocol, int length) =>
        (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (uint)length;
}
