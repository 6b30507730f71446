namespace Unikernel
{
    /// <summary>
    /// A TCP port of our address that accepts connections. The three-way handshake is done by the stack;
    /// established connections wait (up to a backlog of 8; more SYNs are dropped and the client retries) until
    /// accepted.
    /// </summary>
    public struct TcpListener
    {
        private int _handle; // listener + 1; 0: none

        /// <summary>Whether this listener is listening.</summary>
        public bool IsListening => _handle != 0;

        /// <summary>Listens on <paramref name="port"/> (starting the network if needed); 0 or a negative
        /// <see cref="Errno"/>: <c>EADDRINUSE</c>, <c>ENOBUFS</c> (every listener in use), <c>ENETDOWN</c>.</summary>
        public static long Listen(ushort port, out TcpListener listener)
        {
            listener = default;
            long rc = Xen.NetworkService.TcpListen(port);
            if (rc < 0) return rc;
            listener._handle = (int)rc + 1;
            return 0;
        }

        /// <summary>Whether an established connection waits to be accepted.</summary>
        public bool HasPendingConnection => _handle != 0 && Xen.NetworkService.TcpHasPendingAccept(_handle - 1);

        /// <summary>Takes a waiting connection: 0, or <c>EAGAIN</c> when none waits (or another negative <see cref="Errno"/>).</summary>
        public long TryAccept(out TcpConnection connection) => Xen.NetworkService.TcpAccept(_handle - 1, false, out connection);

        /// <summary>Waits for a connection and takes it: 0, or a negative <see cref="Errno"/>.</summary>
        public long Accept(out TcpConnection connection) => Xen.NetworkService.TcpAccept(_handle - 1, true, out connection);

        /// <summary>Stops listening; connections not yet accepted are reset.</summary>
        public void Stop()
        {
            if (_handle != 0) Xen.NetworkService.TcpStopListening(_handle - 1);
            _handle = 0;
        }
    }
}
