using System;

namespace Unikernel.Core.Net
{
    // The client side of DHCP (RFC 2131 4.4) for one interface, without I/O: Poll says what to broadcast and
    // when, Receive takes the server's replies. SELECTING (DISCOVER until an OFFER), REQUESTING (REQUEST until
    // an ACK; a NAK or no answer starts over), BOUND until T1, then RENEWING (REQUEST with our address until
    // an ACK extends the lease) until the lease ends: then the address is lost and it starts over. Replies
    // that are not for our transaction and MAC, or are malformed, are counted and ignored. Time in ns.
    public struct DhcpClient
    {
        public enum State : byte { Idle, Selecting, Requesting, Bound, Renewing }

        public const ulong Second = 1_000_000_000;
        public const ulong FirstRetry = Second;          // a LAN answers at once: retry after 1 s, doubling
        public const ulong MaxRetry = 8 * Second;        // RFC 2131 4.1 says up to 64 s; a unikernel boots faster
        public const int RequestAttempts = 4;            // REQUESTs before going back to DISCOVER
        public const ulong RenewRetry = 10 * Second;
        public const uint DefaultLeaseSeconds = 86400;   // an ACK must carry option 51; one that does not gets a day

        private MacAddress _mac;
        private uint _xid, _offered, _server, _address, _mask, _router, _lease;
        private ulong _started, _nextSend, _retry, _t1, _expiry;
        private int _attempts;
        private State _state;
        public ulong Malformed, Ignored, Offers, Acks, Naks, Losses;

        public State Current => _state;
        public bool IsBound => _state == State.Bound || _state == State.Renewing;
        public uint Address => _address;
        public uint SubnetMask => _mask;
        public uint Router => _router;
        public uint LeaseSeconds => _lease;
        public uint Server => _server;

        // The netmask's prefix length (a mask with holes counts its leading ones).
        public int PrefixLength => NetworkInterface.PrefixOf(_mask);

        // xid: a number other clients on the link are unlikely to pick (from the clock and the MAC).
        public void Start(MacAddress mac, uint xid, ulong now)
        {
            this = default;
            _mac = mac;
            _xid = xid;
            _started = now;
            Select(now);
        }

        private void Select(ulong now)
        {
            _state = State.Selecting;
            _offered = _server = 0;
            _retry = FirstRetry;
            _nextSend = now;
        }

        // When Poll next has something to send; ulong.MaxValue when idle.
        public ulong NextDeadline => _state == State.Idle ? ulong.MaxValue : _state == State.Bound ? _t1 : _nextSend;

        // A message due at now, written to destination (at least DhcpMessage.MinBytes): its length, else 0.
        // Every message goes to 255.255.255.255:67 from port 68.
        public int Poll(ulong now, Span<byte> destination)
        {
            if (_state == State.Idle) return 0;
            if (_state == State.Bound)
            {
                if (now < _t1) return 0;
                _state = State.Renewing;
                _nextSend = now;
            }
            if (_state == State.Renewing && now >= _expiry)
            {
                // RFC 2131 4.4.5: the lease ran out; the address must not be used any more.
                Losses++;
                _address = 0;
                Select(now);
            }
            if (now < _nextSend) return 0;
            ushort seconds = (ushort)Math.Min((now - _started) / Second, 0xFFFF);
            int length;
            if (_state == State.Selecting)
            {
                length = DhcpMessage.WriteRequest(destination, DhcpMessage.Discover, _xid, seconds, _mac, 0, 0, 0);
                Backoff(now);
            }
            else if (_state == State.Requesting)
            {
                if (_attempts++ >= RequestAttempts)
                {
                    Select(now);
                    return Poll(now, destination);
                }
                length = DhcpMessage.WriteRequest(destination, DhcpMessage.Request, _xid, seconds, _mac, 0, _offered, _server);
                Backoff(now);
            }
            else
            {
                // RENEWING: our address in ciaddr, no server or requested address (RFC 2131 4.3.2).
                length = DhcpMessage.WriteRequest(destination, DhcpMessage.Request, _xid, seconds, _mac, _address, 0, 0);
                _nextSend = now + RenewRetry;
            }
            return length;
        }

        private void Backoff(ulong now)
        {
            _nextSend = now + _retry;
            _retry = Math.Min(_retry * 2, MaxRetry);
        }

        // A datagram that came to port 68.
        public void Receive(ReadOnlySpan<byte> payload, ulong now)
        {
            if (DhcpMessage.TryParse(payload, out DhcpMessage m) != ParseStatus.Valid)
            {
                Malformed++;
                return;
            }
            if (m.Op != DhcpMessage.OpReply || m.Xid != _xid || !m.ClientMac.Equals(_mac) || _state == State.Idle)
            {
                Ignored++;
                return;
            }
            if (m.Type == DhcpMessage.Offer && _state == State.Selecting && m.YourAddress != 0 && m.ServerId != 0)
            {
                Offers++;
                _offered = m.YourAddress;
                _server = m.ServerId;
                _state = State.Requesting;
                _attempts = 0;
                _retry = FirstRetry;
                _nextSend = now;
            }
            else if (m.Type == DhcpMessage.Ack && (_state == State.Requesting || _state == State.Renewing) && m.YourAddress != 0
                && (_state == State.Renewing ? m.YourAddress == _address : m.YourAddress == _offered && m.ServerId == _server))
            {
                Acks++;
                _address = m.YourAddress;
                if (m.ServerId != 0) _server = m.ServerId;
                _mask = m.SubnetMask != 0 ? m.SubnetMask : 0xFFFFFF00; // no option 1: a /24
                _router = m.Router;
                _lease = m.LeaseSeconds != 0 ? m.LeaseSeconds : DefaultLeaseSeconds;
                ulong t1 = m.RenewalSeconds != 0 && m.RenewalSeconds < _lease ? m.RenewalSeconds : _lease / 2;
                _t1 = now + t1 * Second;
                _expiry = _lease == 0xFFFFFFFF ? ulong.MaxValue : now + _lease * Second; // 0xFFFFFFFF: infinite
                if (_lease == 0xFFFFFFFF) _t1 = ulong.MaxValue;
                _state = State.Bound;
            }
            else if (m.Type == DhcpMessage.Nak && (_state == State.Requesting || _state == State.Renewing) && m.ServerId == _server)
            {
                Naks++;
                if (_state == State.Renewing) Losses++;
                _address = 0;
                Select(now);
            }
            else Ignored++;
        }
    }
}
