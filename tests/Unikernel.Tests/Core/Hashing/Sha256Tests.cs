using System;
using System.Security.Cryptography;
using CsCheck;
using Unikernel.Core.Hashing;

namespace Unikernel.Tests.Core.Hashing;

public class Sha256Tests
{
    [Fact]
    public void KnownAnswers()
    {
        Assert.Equal("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", Hash(Array.Empty<byte>(), 1));
        Assert.Equal("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", Hash("abc"u8.ToArray(), 1));
    }

    [Fact]
    public void AgreesWithTheBclForAnyDataInAnyPieces()
    {
        Property.Check(Gen.Select(Gen.Byte.Array[0, 600], Gen.Int[1, 130]), t =>
            Assert.Equal(Convert.ToHexString(SHA256.HashData(t.Item1)), Hash(t.Item1, t.Item2)));
    }

    private static string Hash(byte[] data, int piece)
    {
        var h = Sha256.Create();
        for (int i = 0; i < data.Length; i += piece) h.Append(data.AsSpan(i, Math.Min(piece, data.Length - i)));
        var digest = new byte[32];
        h.Finish(digest);
        return Convert.ToHexString(digest);
    }
}
