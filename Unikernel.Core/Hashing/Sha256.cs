using System;

namespace Unikernel.Core.Hashing
{
    // SHA-256 (FIPS 180-4), incremental, without allocation: what a guest uses to prove a transfer arrived
    // byte for byte. Not constant-time; not meant for secrets.
    public unsafe struct Sha256
    {
        public const int HashBytes = 32;
        private const int BlockBytes = 64;

        private fixed uint _state[8];
        private fixed byte _block[BlockBytes];
        private int _blockLength;
        private ulong _totalBytes;

        public static Sha256 Create()
        {
            var h = new Sha256();
            h.Reset();
            return h;
        }

        public void Reset()
        {
            _state[0] = 0x6a09e667; _state[1] = 0xbb67ae85; _state[2] = 0x3c6ef372; _state[3] = 0xa54ff53a;
            _state[4] = 0x510e527f; _state[5] = 0x9b05688c; _state[6] = 0x1f83d9ab; _state[7] = 0x5be0cd19;
            _blockLength = 0;
            _totalBytes = 0;
        }

        public ulong TotalBytes => _totalBytes;

        public void Append(ReadOnlySpan<byte> data)
        {
            _totalBytes += (ulong)data.Length;
            int i = 0;
            fixed (uint* state = _state)
            fixed (byte* block = _block)
            {
                if (_blockLength > 0)
                {
                    while (_blockLength < BlockBytes && i < data.Length) block[_blockLength++] = data[i++];
                    if (_blockLength < BlockBytes) return;
                    Compress(state, block);
                    _blockLength = 0;
                }
                fixed (byte* p = data)
                    for (; i + BlockBytes <= data.Length; i += BlockBytes) Compress(state, p + i);
                while (i < data.Length) block[_blockLength++] = data[i++];
            }
        }

        // Finishes the hash into destination (32 bytes); the instance is then reset.
        public void Finish(Span<byte> destination)
        {
            ulong bits = _totalBytes * 8;
            Span<byte> pad = stackalloc byte[BlockBytes + 8];
            int padLength = (_blockLength < 56 ? 56 : 120) - _blockLength;
            pad[0] = 0x80;
            for (int i = 1; i < padLength; i++) pad[i] = 0;
            for (int i = 0; i < 8; i++) pad[padLength + i] = (byte)(bits >> (56 - 8 * i));
            ulong total = _totalBytes;
            Append(pad.Slice(0, padLength + 8));
            _totalBytes = total;
            for (int i = 0; i < 8; i++)
            {
                uint v = _state[i];
                destination[4 * i] = (byte)(v >> 24);
                destination[4 * i + 1] = (byte)(v >> 16);
                destination[4 * i + 2] = (byte)(v >> 8);
                destination[4 * i + 3] = (byte)v;
            }
            Reset();
        }

        private static uint Rotr(uint x, int n) => x >> n | x << (32 - n);

        private static void Compress(uint* state, byte* block)
        {
            uint* w = stackalloc uint[64];
            for (int t = 0; t < 16; t++)
                w[t] = (uint)(block[4 * t] << 24 | block[4 * t + 1] << 16 | block[4 * t + 2] << 8 | block[4 * t + 3]);
            for (int t = 16; t < 64; t++)
            {
                uint s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
                uint s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
            }
            uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
            for (int t = 0; t < 64; t++)
            {
                uint t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + K(t) + w[t];
                uint t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
                h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
            }
            state[0] += a; state[1] += b; state[2] += c; state[3] += d;
            state[4] += e; state[5] += f; state[6] += g; state[7] += h;
        }

        // The round constants (FIPS 180-4 4.2.2) as pairs of UTF-16 units: a string literal is read-only data
        // the guest's corlib supports without an array.
        private const string RoundConstants =
            "\u428a\u2f98\u7137\u4491\ub5c0\ufbcf\ue9b5\udba5\u3956\uc25b\u59f1\u11f1\u923f\u82a4\uab1c\u5ed5" +
            "\ud807\uaa98\u1283\u5b01\u2431\u85be\u550c\u7dc3\u72be\u5d74\u80de\ub1fe\u9bdc\u06a7\uc19b\uf174" +
            "\ue49b\u69c1\uefbe\u4786\u0fc1\u9dc6\u240c\ua1cc\u2de9\u2c6f\u4a74\u84aa\u5cb0\ua9dc\u76f9\u88da" +
            "\u983e\u5152\ua831\uc66d\ub003\u27c8\ubf59\u7fc7\uc6e0\u0bf3\ud5a7\u9147\u06ca\u6351\u1429\u2967" +
            "\u27b7\u0a85\u2e1b\u2138\u4d2c\u6dfc\u5338\u0d13\u650a\u7354\u766a\u0abb\u81c2\uc92e\u9272\u2c85" +
            "\ua2bf\ue8a1\ua81a\u664b\uc24b\u8b70\uc76c\u51a3\ud192\ue819\ud699\u0624\uf40e\u3585\u106a\ua070" +
            "\u19a4\uc116\u1e37\u6c08\u2748\u774c\u34b0\ubcb5\u391c\u0cb3\u4ed8\uaa4a\u5b9c\uca4f\u682e\u6ff3" +
            "\u748f\u82ee\u78a5\u636f\u84c8\u7814\u8cc7\u0208\u90be\ufffa\ua450\u6ceb\ubef9\ua3f7\uc671\u78f2";

        private static uint K(int t) => (uint)RoundConstants[2 * t] << 16 | RoundConstants[2 * t + 1];
    }
}
