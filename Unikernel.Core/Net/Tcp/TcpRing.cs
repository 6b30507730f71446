using System;

namespace Unikernel.Core.Net.Tcp
{
    // A connection's send or receive bytes: a ring over caller memory. Count bytes from Start are the data;
    // the receive side also writes out-of-order data past Count (WriteAt) and commits it when the gap fills.
    internal unsafe struct TcpRing
    {
        private byte* _buffer;
        private int _capacity;
        private int _start;
        private int _count;

        public void Init(byte* buffer, int capacity)
        {
            _buffer = buffer;
            _capacity = capacity;
            _start = 0;
            _count = 0;
        }

        public int Count => _count;
        public int Capacity => _capacity;
        public int Free => _capacity - _count;

        // Appends as much as fits; returns how much.
        public int Append(ReadOnlySpan<byte> data)
        {
            int n = data.Length < Free ? data.Length : Free;
            WriteAt(_count, data.Slice(0, n));
            _count += n;
            return n;
        }

        // Copies data to offset bytes past Start without changing Count; offset + length <= Capacity. At most
        // two block copies (the part before the end of the buffer, then the rest from its start): a byte loop
        // costs several instructions a byte, and under emulation each of those is many.
        public void WriteAt(int offset, ReadOnlySpan<byte> data)
        {
            int at = Wrap(_start + offset);
            int first = _capacity - at < data.Length ? _capacity - at : data.Length;
            data.Slice(0, first).CopyTo(new Span<byte>(_buffer + at, first));
            if (first < data.Length) data.Slice(first).CopyTo(new Span<byte>(_buffer, data.Length - first));
        }

        // Copies destination.Length bytes from offset bytes past Start; offset + length <= Count.
        public void CopyOut(int offset, Span<byte> destination)
        {
            int at = Wrap(_start + offset);
            int first = _capacity - at < destination.Length ? _capacity - at : destination.Length;
            new ReadOnlySpan<byte>(_buffer + at, first).CopyTo(destination);
            if (first < destination.Length) new ReadOnlySpan<byte>(_buffer, destination.Length - first).CopyTo(destination.Slice(first));
        }

        // Takes up to destination.Length bytes from the front.
        public int Read(Span<byte> destination)
        {
            int n = destination.Length < _count ? destination.Length : _count;
            CopyOut(0, destination.Slice(0, n));
            Discard(n);
            return n;
        }

        public void Discard(int n)
        {
            _start = Wrap(_start + n);
            _count -= n;
        }

        // Bytes already written past Count by WriteAt become data.
        public void Commit(int n) => _count += n;

        private int Wrap(int i) => i >= _capacity ? i - _capacity : i;
    }
}
