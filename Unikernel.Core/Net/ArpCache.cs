namespace Unikernel.Core.Net
{
    // The neighbour table of RFC 826: IPv4 address -> MAC, a fixed number of entries, least recently used
    // replaced. Time is passed in (ns); nothing here reads a clock.
    //   Resolved entries live Lifetime from their last confirmation; one still in use after RefreshAfter asks
    //   for a new request (at most one a RetryInterval) so a busy flow gets a fresh answer before it expires.
    //   One that expires less than a RetryInterval after such a request turns pending, that request counting
    //   as its first, so the address is never asked twice within a RetryInterval (RFC 1122 2.3.2.1).
    //   Pending entries are addresses being asked for: a request at most once a RetryInterval, MaxRequests in
    //   all, then the entry is given up (freed). The cache holds no packets: senders are told (UDP callers get
    //   a status and retry); NetworkInterface keeps only the latest packet SendIpv4 gave (TCP's), sent when
    //   the answer comes (RFC 1122 2.3.2.2).
    // Learning follows RFC 826's merge: any ARP packet updates an entry we already have for its sender; a new
    // entry is made only by our own lookups and by requests that ask for us (unsolicited replies make none).
    public unsafe struct ArpCache
    {
        public const int Capacity = 16;
        public const ulong Lifetime = 60_000_000_000;     // 60 s
        public const ulong RefreshAfter = 50_000_000_000; // 50 s
        public const ulong RetryInterval = 1_000_000_000; // 1 s
        public const int MaxRequests = 3;

        private const byte Free = 0, Pending = 1, Resolved = 2;

        private fixed uint _ip[Capacity];
        private fixed ulong _mac[Capacity];
        private fixed byte _state[Capacity];
        private fixed byte _requests[Capacity];        // requests sent since the entry was made or confirmed
        private fixed ulong _confirmed[Capacity];      // Resolved: when the last answer came
        private fixed ulong _lastRequest[Capacity];    // when a request went out (valid when _requests > 0)
        private fixed ulong _lastUsed[Capacity];

        // The MAC for ip, for sending. True with the MAC when resolved (requestNow: ask again to refresh).
        // False when not resolved: the entry is pending (made now if need be, replacing the least recently
        // used) and requestNow says a request is due; the caller sends it.
        public bool Lookup(uint ip, ulong now, out MacAddress mac, out bool requestNow)
        {
            int i = Find(ip, now);
            if (i < 0)
            {
                i = Victim(now);
                _ip[i] = ip;
                _state[i] = Pending;
                _requests[i] = 0;
                _mac[i] = 0;
            }
            _lastUsed[i] = now;
            if (_state[i] == Resolved)
            {
                mac = new MacAddress(_mac[i]);
                requestNow = now >= _confirmed[i] + RefreshAfter && RequestDue(i, now);
            }
            else
            {
                mac = default;
                requestNow = _requests[i] < MaxRequests && RequestDue(i, now);
            }
            if (requestNow) NoteRequest(i, now);
            return _state[i] == Resolved;
        }

        // RFC 826 merge: updates the entry for ip if there is one (pending or resolved); returns whether it was.
        public bool Update(uint ip, MacAddress mac, ulong now)
        {
            int i = Find(ip, now);
            if (i < 0) return false;
            Confirm(i, mac, now);
            return true;
        }

        // Updates or makes the entry for ip (the sender of a request for us: we are about to answer it).
        public void Insert(uint ip, MacAddress mac, ulong now)
        {
            int i = Find(ip, now);
            if (i < 0)
            {
                i = Victim(now);
                _ip[i] = ip;
                _lastUsed[i] = now;
            }
            Confirm(i, mac, now);
        }

        // Whether ip has a resolved, unexpired entry (a look that does not count as use).
        public bool TryGet(uint ip, ulong now, out MacAddress mac)
        {
            int i = Find(ip, now);
            mac = i >= 0 && _state[i] == Resolved ? new MacAddress(_mac[i]) : default;
            return i >= 0 && _state[i] == Resolved;
        }

        // For Poll: frees expired and given-up entries, and returns a pending address whose retry is due
        // (marking it requested), false when there is none; call until false.
        public bool NextDueRequest(ulong now, out uint ip)
        {
            for (int i = 0; i < Capacity; i++)
            {
                if (_state[i] == Free || Expire(i, now)) continue;
                if (_state[i] == Pending && _requests[i] < MaxRequests && RequestDue(i, now))
                {
                    NoteRequest(i, now);
                    ip = _ip[i];
                    return true;
                }
            }
            ip = 0;
            return false;
        }

        // When NextDueRequest next has work (a retry or a give-up), ulong.MaxValue when none is pending.
        public ulong NextDeadline
        {
            get
            {
                ulong next = ulong.MaxValue;
                for (int i = 0; i < Capacity; i++)
                {
                    if (_state[i] != Pending) continue;
                    ulong due = _requests[i] == 0 ? 0 : _lastRequest[i] + RetryInterval;
                    if (due < next) next = due;
                }
                return next;
            }
        }

        public int Count
        {
            get
            {
                int n = 0;
                for (int i = 0; i < Capacity; i++) if (_state[i] != Free) n++;
                return n;
            }
        }

        private int Find(uint ip, ulong now)
        {
            for (int i = 0; i < Capacity; i++)
                if (_state[i] != Free && _ip[i] == ip && !Expire(i, now)) return i;
            return -1;
        }

        // Frees entry i if its time is up; returns whether it did.
        private bool Expire(int i, ulong now)
        {
            bool over = _state[i] == Resolved
                ? now >= _confirmed[i] + Lifetime || now < _confirmed[i] // a clock that went back: do not trust it
                : _requests[i] >= MaxRequests && now >= _lastRequest[i] + RetryInterval;
            if (over && _state[i] == Resolved && now >= _confirmed[i] && _requests[i] > 0 && now < _lastRequest[i] + RetryInterval)
            {
                // Its refresh request is unanswered and too recent to ask again: freeing it would let the next
                // lookup ask at once. It stays, pending, with that request as its first.
                _state[i] = Pending;
                _requests[i] = 1;
                _mac[i] = 0;
                return false;
            }
            if (over) _state[i] = Free;
            return over;
        }

        // A free or expired entry, else the least recently used.
        private int Victim(ulong now)
        {
            int oldest = 0;
            for (int i = 0; i < Capacity; i++)
            {
                if (_state[i] == Free || Expire(i, now)) return i;
                if (_lastUsed[i] < _lastUsed[oldest]) oldest = i;
            }
            return oldest;
        }

        private bool RequestDue(int i, ulong now) => _requests[i] == 0 || now >= _lastRequest[i] + RetryInterval;

        private void NoteRequest(int i, ulong now)
        {
            if (_requests[i] < 255) _requests[i]++;
            _lastRequest[i] = now;
        }

        private void Confirm(int i, MacAddress mac, ulong now)
        {
            _mac[i] = mac.Value;
            _state[i] = Resolved;
            _confirmed[i] = now;
            _requests[i] = 0;
        }
    }
}
