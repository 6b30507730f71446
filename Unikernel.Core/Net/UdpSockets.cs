using System;

namespace Unikernel.Core.Net
{
    // The bound UDP ports of an interface, each with a receive queue of whole datagrams in memory its owner
    // gave at Bind (it must stay put until Unbind). The queue is a ring of fixed slots, each a header
    // (remote address, remote port, length) and room for the largest datagram one Ethernet frame carries;
    // a datagram that finds the ring full is dropped (the sender's retry, if any, is its recovery).
    public unsafe struct UdpSockets
    {
        public const int Capacity = 8;
        public const int MaxPayload = EthernetFrame.MaxPayload - Ipv4Packet.MinHeaderBytes - UdpDatagram.HeaderBytes; // 1472
        private const int SlotHeaderBytes = 8; // remote ip (4), remote port (2), length (2), host order
        public const int SlotBytes = SlotHeaderBytes + MaxPayload;

        private fixed ushort _port[Capacity]; // 0: unused
        private fixed ulong _memory[Capacity];
        private fixed int _slots[Capacity];
        private fixed int _head[Capacity];
        private fixed int _count[Capacity];

        // False when the port is 0 or taken, the table is full, or the memory holds less than one slot.
        public bool Bind(ushort port, byte* queue, int queueBytes)
        {
            if (port == 0 || Find(port) >= 0 || queue == null || queueBytes < SlotBytes) return false;
            for (int i = 0; i < Capacity; i++)
            {
                if (_port[i] != 0) continue;
                _port[i] = port;
                _memory[i] = (ulong)queue;
                _slots[i] = queueBytes / SlotBytes;
                _head[i] = 0;
                _count[i] = 0;
                return true;
            }
            return false;
        }

        // Queued datagrams are discarded; the memory is the owner's again.
        public bool Unbind(ushort port)
        {
            int i = Find(port);
            if (i < 0) return false;
            _port[i] = 0;
            _memory[i] = 0;
            return true;
        }

        public bool IsBound(ushort port) => Find(port) >= 0;

        public int Queued(ushort port)
        {
            int i = Find(port);
            return i < 0 ? 0 : _count[i];
        }

        // False when the queue is full (the caller knows the port is bound) or the payload is too large.
        public bool Enqueue(ushort port, uint remoteIp, ushort remotePort, ReadOnlySpan<byte> payload)
        {
            int i = Find(port);
            if (i < 0 || _count[i] == _slots[i] || payload.Length > MaxPayload) return false;
            byte* slot = Slot(i, (_head[i] + _count[i]) % _slots[i]);
            *(uint*)slot = remoteIp;
            *(ushort*)(slot + 4) = remotePort;
            *(ushort*)(slot + 6) = (ushort)payload.Length;
            payload.CopyTo(new Span<byte>(slot + SlotHeaderBytes, payload.Length));
            _count[i]++;
            return true;
        }

        // Takes the oldest datagram: copies what fits of it into destination and returns its whole length
        // (more than destination.Length means it was cut), or -1 when nothing is queued or the port is not bound.
        public int Dequeue(ushort port, Span<byte> destination, out uint remoteIp, out ushort remotePort)
        {
            remoteIp = 0;
            remotePort = 0;
            int i = Find(port);
            if (i < 0 || _count[i] == 0) return -1;
            byte* slot = Slot(i, _head[i]);
            remoteIp = *(uint*)slot;
            remotePort = *(ushort*)(slot + 4);
            int length = *(ushort*)(slot + 6);
            int copied = length < destination.Length ? length : destination.Length;
            new ReadOnlySpan<byte>(slot + SlotHeaderBytes, copied).CopyTo(destination);
            _head[i] = (_head[i] + 1) % _slots[i];
            _count[i]--;
            return length;
        }

        private int Find(ushort port)
        {
            if (port == 0) return -1;
            for (int i = 0; i < Capacity; i++) if (_port[i] == port) return i;
            return -1;
        }

        private byte* Slot(int socket, int index) => (byte*)_memory[socket] + (long)index * SlotBytes;
    }
}
