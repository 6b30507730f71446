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

        // Copies data to offset bytes past Start without changing Count; offset + length <= Capacity.
        public void WriteAt(int offset, ReadOnlySpan<byte> data)
        {
            int at = Wrap(_start + offset);
            for (int i = 0; i < data.Length; i++)
            {
                _buffer[at] = data[i];
                if (++at == _capacity) at = 0;
            }
        }

        // Copies destination.Length bytes from offset bytes past Start; offset + length <= Count.
        public void CopyOut(int offset, Span<byte> destination)
        {
            int at = Wrap(_start + offset);
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = _buffer[at];
                if (++at == _capacity) at = 0;
            }
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
