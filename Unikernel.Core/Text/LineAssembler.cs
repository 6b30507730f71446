using System;

namespace Unikernel.Core.Text
{
    // Turns a byte stream from a terminal into lines. A line ends at '\n' or '\r' ("\r\n" counts once, as
    // a terminal in raw mode sends '\r' for Enter). A line longer than the buffer is cut at the buffer's
    // size, flagged as truncated, and the rest of it up to its end is dropped, so the next line starts clean.
    public unsafe struct LineAssembler
    {
        private readonly byte* _buffer;
        private readonly int _capacity;
        private int _length;
        private bool _overlong, _afterCarriageReturn, _complete;

        public LineAssembler(byte* buffer, int capacity)
        {
            if (capacity <= 0) throw new ArgumentException("line buffer must not be empty");
            _buffer = buffer;
            _capacity = capacity;
            _length = 0;
            _overlong = _afterCarriageReturn = _complete = false;
        }

        // After Feed returned true: the line (without its end) and whether it was cut.
        public ReadOnlySpan<byte> Line => new ReadOnlySpan<byte>(_buffer, _length);
        public bool Truncated => _overlong;

        // Adds one byte; true when it completed a line. The next Feed starts a new line.
        public bool Feed(byte b)
        {
            if (_complete)
            {
                _complete = false;
                _length = 0;
                _overlong = false;
            }
            bool afterCr = _afterCarriageReturn;
            _afterCarriageReturn = b == (byte)'\r';
            if (b == (byte)'\n' && afterCr) return false; // the second half of "\r\n"
            if (b == (byte)'\n' || b == (byte)'\r')
            {
                _complete = true;
                return true;
            }
            if (_length < _capacity) _buffer[_length++] = b;
            else _overlong = true;
            return false;
        }
    }
}
