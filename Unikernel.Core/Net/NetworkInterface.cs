using System;

namespace Unikernel.Core.Net
{
    // One Ethernet interface's IPv4 stack below TCP: ARP (RFC 826), IPv4 (RFC 791, no fragments), ICMP echo and
    // port unreachable (RFC 792), UDP sockets (RFC 768); TCP segments go to a hook, and TCP sends through
    // SendIpv4. Frames come in through ReceiveFrame and go out through the platform's transmit function, built
    // one at a time in this interface's own buffer (the platform copies them). Nothing is allocated: all state
    // is fixed-size, and of the packets waiting for ARP only the latest SendIpv4 gave is held. Time is passed
    // in (ns).
    // It is a large struct: keep it in one place (a static, or memory that does not move) and call it through
    // a ref or pointer; the TCP hook reaches it again through its context (SendIpv4 from inside the hook is fine).
    // Not reentrant otherwise: the platform calls it from one place with events masked.
    public unsafe struct NetworkInterface
    {
        public const byte DefaultTtl = 64;
        public const int MaxIpv4Payload = EthernetFrame.MaxPayload - Ipv4Packet.MinHeaderBytes; // 1480
        private const int IpOffset = EthernetFrame.HeaderBytes;
        private const int TransportOffset = IpOffset + Ipv4Packet.MinHeaderBytes;
        // Port unreachable replies, a token bucket: 10 at once, then 10 a second (as Linux limits ICMP errors).
        private const int IcmpErrorBurst = 10;
        private const ulong IcmpErrorInterval = 100_000_000;
        private const int IcmpErrorQuotedBytes = 8; // of the offending datagram, after its IP header (RFC 792)
        // A held packet is sent only while ARP may still be asking for its hop; a later answer finds it stale.
        private const ulong HeldPacketLifetime = ArpCache.MaxRequests * ArpCache.RetryInterval;

        private MacAddress _mac;
        private uint _address;
        private uint _netmask;
        private uint _gateway;
        private readonly delegate*<ulong, ReadOnlySpan<byte>, int, bool> _transmit;
        private readonly ulong _transmitContext;
        private delegate*<ulong, uint, uint, ReadOnlySpan<byte>, bool, ulong, void> _tcp;
        private ulong _tcpContext;
        private ArpCache _arp;
        private UdpSockets _udp;
        private NetCounters _counters;
        private ushort _identification;
        private int _icmpErrorTokens;
        private ulong _icmpErrorRefilled;
        private bool _largeTcp;
        private byte* _large;      // where large TCP segments are built (EnableLargeSend); null: none are sent
        private int _largeBytes;
        private fixed byte _frame[EthernetFrame.MaxFrameBytes]; // the frame being sent
        // RFC 1122 2.3.2.2: the latest packet for a next hop being resolved, its IP header written, sent when
        // the hop's MAC comes (TCP's first SYN to a new neighbour would otherwise wait for its 1 s timeout).
        private uint _heldHop; // 0: none
        private int _heldLength;
        private ulong _heldAt;
        private fixed byte _held[EthernetFrame.MaxFrameBytes];

        // gateway 0: no gateway (only the subnet is reachable). transmit(context, frame, segmentSize) returns
        // whether the platform took the frame; segmentSize is 0 but for a large TCP segment (EnableLargeSend).
        public NetworkInterface(MacAddress mac, uint address, int prefixLength, uint gateway,
            delegate*<ulong, ReadOnlySpan<byte>, int, bool> transmit, ulong transmitContext)
        {
            _mac = mac;
            SetAddress(address, prefixLength, gateway);
            _transmit = transmit;
            _transmitContext = transmitContext;
            _icmpErrorTokens = IcmpErrorBurst;
        }

        // Frames longer than the MTU are taken when they carry TCP: the platform's device gathers what dom0
        // coalesced (GSO) into one segment of up to 64 KiB. Anything else longer than the MTU stays oversized.
        public void AcceptLargeTcp() => _largeTcp = true;

        public const int MaxLargeFrameBytes = EthernetFrame.HeaderBytes + 0xFFFF;

        // TCP may send segments larger than the MTU, which the platform's device cuts into MTU-sized packets
        // (TSO); each is built in buffer (bufferBytes, at most MaxLargeFrameBytes, kept by the caller).
        public void EnableLargeSend(byte* buffer, int bufferBytes)
        {
            _large = buffer;
            _largeBytes = bufferBytes < MaxLargeFrameBytes ? bufferBytes : MaxLargeFrameBytes;
        }

        // The largest TCP payload (header included) one large segment may carry; 0 without EnableLargeSend.
        public int MaxLargeSendPayload => _large == null ? 0 : _largeBytes - TransportOffset;

        // Where a large segment's payload goes in the large-send buffer (null without EnableLargeSend): a
        // payload built there already is sent without being copied (TcpStack.UseScratch).
        public byte* LargeSendPayload => _large == null ? null : _large + TransportOffset;

        // The address may come later (DHCP, with address 0 until then: only broadcast UDP is received) or go
        // (a lease that ended). Neighbours learnt stay: they are the link's, not the address's.
        public void SetAddress(uint address, int prefixLength, uint gateway)
        {
            _address = address;
            _netmask = prefixLength <= 0 ? 0 : prefixLength >= 32 ? 0xFFFFFFFF : 0xFFFFFFFF << (32 - prefixLength);
            _gateway = gateway;
        }

        // The leading ones of a netmask: its prefix length (a mask with holes counts only those).
        public static int PrefixOf(uint netmask)
        {
            int n = 0;
            while (n < 32 && (netmask & (0x80000000u >> n)) != 0) n++;
            return n;
        }

        public MacAddress Mac => _mac;

        // The device's address changed (a restore on a host that gave the vif another MAC): frames are sent
        // from it and taken for it from now on. LinkUp then tells the neighbours.
        public void ChangeMac(MacAddress mac) => _mac = mac;
        public uint Address => _address;
        public uint Netmask => _netmask;
        public uint Gateway => _gateway;
        public NetCounters Counters => _counters;

        // TCP (protocol 6) unicast to our address goes to handler(context, source, destination, segment,
        // checksumValidated, now); the segment is the IPv4 payload, its checksum not verified here. Without a
        // handler TCP is counted as an unknown protocol.
        public void SetTcpHandler(delegate*<ulong, uint, uint, ReadOnlySpan<byte>, bool, ulong, void> handler, ulong context)
        {
            _tcp = handler;
            _tcpContext = context;
        }

        // checksumValidated: the platform vouches for the transport checksum (Xen's NETRXF_data_validated or
        // csum_blank: the packet came from dom0 unchanged), so UDP and TCP need not verify it.
        public void ReceiveFrame(ReadOnlySpan<byte> frame, bool checksumValidated, ulong now)
        {
            _counters.ReceivedFrames++;
            _counters.ReceivedBytes += (ulong)frame.Length;
            if (frame.Length > EthernetFrame.MaxFrameBytes && !(_largeTcp && frame.Length <= MaxLargeFrameBytes && CarriesIpv4Tcp(frame)))
            {
                _counters.Oversized++;
                return;
            }
            ParseStatus status = EthernetFrame.TryParse(frame, out EthernetFrame ethernet);
            if (status != ParseStatus.Valid)
            {
                if (status == ParseStatus.VlanTagged) _counters.VlanTagged++;
                else _counters.MalformedEthernet++;
                return;
            }
            if (!ethernet.Destination.Equals(_mac) && !ethernet.Destination.IsBroadcast)
            {
                _counters.NotForUs++;
                return;
            }
            fixed (byte* buffer = _frame)
            {
                Span<byte> tx = new Span<byte>(buffer, EthernetFrame.MaxFrameBytes);
                if (ethernet.EtherType == EthernetFrame.TypeArp) ReceiveArp(tx, ethernet.Payload, now);
                else if (ethernet.EtherType == EthernetFrame.TypeIpv4) ReceiveIpv4(tx, ethernet, checksumValidated, now);
                else _counters.UnknownEtherType++;
            }
        }

        // Announces our address (a gratuitous ARP request, RFC 5227's announcement) so neighbours with a stale
        // entry for it update.
        public void LinkUp(ulong now)
        {
            fixed (byte* buffer = _frame)
                SendArp(new Span<byte>(buffer, EthernetFrame.MaxFrameBytes), ArpPacket.Request, MacAddress.Broadcast, MacAddress.Zero, _address);
        }

        // ARP retries and expiry; call by NextDeadline.
        public void Poll(ulong now)
        {
            fixed (byte* buffer = _frame)
            {
                Span<byte> tx = new Span<byte>(buffer, EthernetFrame.MaxFrameBytes);
                while (_arp.NextDueRequest(now, out uint ip)) SendArpRequest(tx, ip);
            }
        }

        // When Poll next has work; ulong.MaxValue when it has none.
        public ulong NextDeadline => _arp.NextDeadline;

        // Whether the neighbour table has a live MAC for ip (tests, diagnostics).
        public bool TryGetNeighbour(uint ip, ulong now, out MacAddress mac) => _arp.TryGet(ip, now, out mac);

        // Sends payload as one IPv4 packet (DF set, TTL 64) to destination, through the gateway when it is off
        // the subnet. When the next hop's MAC is not known yet an ARP request is sent and the packet is held in
        // place of any held before (it leaves when the answer comes): true, as for a packet sent, since a
        // caller that retried would only send it twice. False, counted, when there is no route, the payload
        // exceeds MaxIpv4Payload, or the platform did not take it (its ring full: the caller tries again).
        // payload must not lie in this interface's own frame buffers (but at LargeSendPayload, see there).
        public bool SendIpv4(uint destination, byte protocol, ReadOnlySpan<byte> payload, ulong now) =>
            SendIpv4(destination, protocol, payload, 0, now);

        // segmentSize > 0: a TCP segment of up to MaxLargeSendPayload bytes that the device cuts into packets
        // of segmentSize payload bytes (EnableLargeSend). It is never held for ARP (too large to keep): false
        // while the next hop is being resolved, and TCP tries again.
        public bool SendIpv4(uint destination, byte protocol, ReadOnlySpan<byte> payload, int segmentSize, ulong now)
        {
            if (segmentSize > 0) return SendLarge(destination, protocol, payload, segmentSize, now);
            if (payload.Length > MaxIpv4Payload)
            {
                _counters.TooLarge++;
                return false;
            }
            fixed (byte* buffer = _frame)
            {
                Span<byte> tx = new Span<byte>(buffer, EthernetFrame.MaxFrameBytes);
                SendStatus status = NextHop(tx, destination, now, out MacAddress to, out uint hop);
                if (status == SendStatus.ArpPending)
                {
                    Hold(hop, destination, protocol, payload, now);
                    return true;
                }
                if (status != SendStatus.Sent) return false;
                payload.CopyTo(tx.Slice(TransportOffset));
                return SendIpv4Built(tx, to, destination, protocol, payload.Length) == SendStatus.Sent;
            }
        }

        private bool SendLarge(uint destination, byte protocol, ReadOnlySpan<byte> payload, int segmentSize, ulong now)
        {
            if (protocol != Ipv4Packet.ProtocolTcp || payload.Length > MaxLargeSendPayload)
            {
                _counters.TooLarge++;
                return false;
            }
            Span<byte> tx = new Span<byte>(_large, _largeBytes);
            SendStatus status;
            MacAddress to;
            fixed (byte* buffer = _frame) // an ARP request goes out of the small buffer
                status = NextHop(new Span<byte>(buffer, EthernetFrame.MaxFrameBytes), destination, now, out to, out _);
            if (status != SendStatus.Sent) return false;
            payload.CopyTo(tx.Slice(TransportOffset)); // nothing to do when it was built in place (a move onto itself)
            return SendIpv4Built(tx, to, destination, protocol, payload.Length, segmentSize) == SendStatus.Sent;
        }

        // Datagrams to a port are queued in queue (queueBytes, UdpSockets.SlotBytes a datagram) until
        // UdpReceive takes them; the memory must stay put until UdpUnbind. False when the port is 0 or taken,
        // all UdpSockets.Capacity sockets are bound, or the memory holds less than one datagram.
        public bool UdpBind(ushort port, byte* queue, int queueBytes) => _udp.Bind(port, queue, queueBytes);

        public bool UdpUnbind(ushort port) => _udp.Unbind(port);

        public bool UdpIsBound(ushort port) => _udp.IsBound(port);

        // Datagrams waiting at port (0 when it is not bound).
        public int UdpQueued(ushort port) => _udp.Queued(port);

        // The oldest datagram queued at port: what fits is copied to destination; returns its whole length
        // (more than destination.Length: it was cut), or -1 when none is queued.
        public int UdpReceive(ushort port, Span<byte> destination, out uint remoteIp, out ushort remotePort) =>
            _udp.Dequeue(port, destination, out remoteIp, out remotePort);

        // Sends one datagram from localPort (bound or not) of our address. ArpPending: try again later.
        public SendStatus UdpSend(ushort localPort, uint remoteIp, ushort remotePort, ReadOnlySpan<byte> payload, ulong now)
        {
            if (payload.Length > UdpSockets.MaxPayload)
            {
                _counters.TooLarge++;
                return SendStatus.TooLarge;
            }
            fixed (byte* buffer = _frame)
            {
                Span<byte> tx = new Span<byte>(buffer, EthernetFrame.MaxFrameBytes);
                SendStatus status = NextHop(tx, remoteIp, now, out MacAddress to, out _);
                if (status != SendStatus.Sent) return status;
                int length = UdpDatagram.Write(tx.Slice(TransportOffset), _address, remoteIp, localPort, remotePort, payload);
                return SendIpv4Built(tx, to, remoteIp, Ipv4Packet.ProtocolUdp, length);
            }
        }

        private void ReceiveArp(Span<byte> tx, ReadOnlySpan<byte> data, ulong now)
        {
            if (ArpPacket.TryParse(data, out ArpPacket arp) != ParseStatus.Valid)
            {
                _counters.MalformedArp++;
                return;
            }
            // Learn only plausible neighbours: a unicast MAC, an address that is set and is not ours (a host
            // claiming ours is a conflict, not a neighbour).
            bool learnable = !arp.SenderMac.IsGroup && arp.SenderIp != 0 && arp.SenderIp != _address;
            bool known = learnable && _arp.Update(arp.SenderIp, arp.SenderMac, now);
            // Only a request for our address gets an answer, and only to a unicast sender.
            if (arp.TargetIp != _address || _address == 0 || arp.Operation != ArpPacket.Request || arp.SenderMac.IsGroup)
            {
                if (known) _counters.Delivered++;
                else _counters.ArpIgnored++;
                if (known) SendHeld(arp.SenderIp, arp.SenderMac, now);
                return;
            }
            if (learnable) _arp.Insert(arp.SenderIp, arp.SenderMac, now);
            SendArp(tx, ArpPacket.Reply, arp.SenderMac, arp.SenderMac, arp.SenderIp);
            _counters.Delivered++;
            if (learnable) SendHeld(arp.SenderIp, arp.SenderMac, now);
        }

        private void Hold(uint hop, uint destination, byte protocol, ReadOnlySpan<byte> payload, ulong now)
        {
            fixed (byte* held = _held)
            {
                Span<byte> frame = new Span<byte>(held, EthernetFrame.MaxFrameBytes);
                payload.CopyTo(frame.Slice(TransportOffset));
                Ipv4Packet.WriteHeader(frame.Slice(IpOffset), _address, destination, protocol, payload.Length, _identification++, DefaultTtl, true);
            }
            _heldHop = hop;
            _heldLength = TransportOffset + payload.Length;
            _heldAt = now;
        }

        // The packet held for hop, now that its MAC is known, unless it has gone stale.
        private void SendHeld(uint hop, MacAddress mac, ulong now)
        {
            if (_heldHop == 0 || hop != _heldHop) return;
            _heldHop = 0;
            if (now < _heldAt || now - _heldAt >= HeldPacketLifetime) return;
            fixed (byte* held = _held)
            {
                Span<byte> frame = new Span<byte>(held, _heldLength);
                EthernetFrame.WriteHeader(frame, mac, _mac, EthernetFrame.TypeIpv4);
                Transmit(frame);
            }
        }

        private static bool CarriesIpv4Tcp(ReadOnlySpan<byte> frame) =>
            frame.Length > EthernetFrame.HeaderBytes + 9 && NetworkByteOrder.Read16(frame, 12) == EthernetFrame.TypeIpv4
            && frame[EthernetFrame.HeaderBytes + 9] == Ipv4Packet.ProtocolTcp;

        private void ReceiveIpv4(Span<byte> tx, EthernetFrame ethernet, bool checksumValidated, ulong now)
        {
            ParseStatus status = Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip);
            if (status != ParseStatus.Valid)
            {
                if (status == ParseStatus.BadChecksum) _counters.BadIpv4Checksum++;
                else if (status == ParseStatus.Fragment) _counters.Fragments++;
                else _counters.MalformedIpv4++;
                return;
            }
            bool broadcast = IsBroadcast(ip.Destination);
            // Without an address only broadcast UDP comes in: a DHCP server's answer.
            if ((_address == 0 && !(broadcast && ip.Protocol == Ipv4Packet.ProtocolUdp)) || (ip.Destination != _address && !broadcast))
            {
                _counters.NotOurAddress++;
                return;
            }
            // Errors and replies go back to the frame's sender, never to a group or from a non-host source.
            bool answerable = !broadcast && IsHost(ip.Source) && !ethernet.Source.IsGroup;
            if (ip.Protocol == Ipv4Packet.ProtocolIcmp) ReceiveIcmp(tx, ethernet.Source, ip, answerable);
            else if (ip.Protocol == Ipv4Packet.ProtocolUdp) ReceiveUdp(tx, ethernet, ip, answerable, checksumValidated, now);
            else if (ip.Protocol == Ipv4Packet.ProtocolTcp && _tcp != null && !broadcast)
            {
                _counters.Delivered++;
                _tcp(_tcpContext, ip.Source, ip.Destination, ip.Payload, checksumValidated, now);
            }
            else _counters.UnknownProtocol++;
        }

        private void ReceiveIcmp(Span<byte> tx, MacAddress from, Ipv4Packet ip, bool answerable)
        {
            ParseStatus status = IcmpPacket.TryParse(ip.Payload, out IcmpPacket icmp);
            if (status != ParseStatus.Valid)
            {
                if (status == ParseStatus.BadChecksum) _counters.BadIcmpChecksum++;
                else _counters.MalformedIcmp++;
                return;
            }
            if (icmp.Type != IcmpPacket.TypeEchoRequest || !answerable)
            {
                _counters.IcmpIgnored++;
                return;
            }
            _counters.Delivered++;
            // The request fits one frame with a 20-byte header or more, so the reply (20 bytes) fits too.
            int length = IcmpPacket.Write(tx.Slice(TransportOffset), IcmpPacket.TypeEchoReply, 0, icmp.Rest, icmp.Data);
            SendIpv4Built(tx, from, ip.Source, Ipv4Packet.ProtocolIcmp, length);
        }

        private void ReceiveUdp(Span<byte> tx, EthernetFrame ethernet, Ipv4Packet ip, bool answerable, bool checksumValidated, ulong now)
        {
            ParseStatus status = UdpDatagram.TryParse(ip.Payload, ip.Source, ip.Destination, checksumValidated, out UdpDatagram udp);
            if (status != ParseStatus.Valid)
            {
                if (status == ParseStatus.BadChecksum) _counters.BadUdpChecksum++;
                else _counters.MalformedUdp++;
                return;
            }
            if (!_udp.IsBound(udp.DestinationPort))
            {
                _counters.NoUdpSocket++;
                if (answerable) SendPortUnreachable(tx, ethernet, ip, now);
                return;
            }
            if (!_udp.Enqueue(udp.DestinationPort, ip.Source, udp.SourcePort, udp.Payload))
            {
                _counters.UdpQueueFull++;
                return;
            }
            _counters.Delivered++;
        }

        // Destination unreachable, port unreachable (RFC 792), quoting the IP header and the first 8 bytes
        // after it, rate-limited.
        private void SendPortUnreachable(Span<byte> tx, EthernetFrame ethernet, Ipv4Packet ip, ulong now)
        {
            if (!TakeIcmpErrorToken(now))
            {
                _counters.IcmpErrorsSuppressed++;
                return;
            }
            int quoted = ip.Header.Length + (ip.Payload.Length < IcmpErrorQuotedBytes ? ip.Payload.Length : IcmpErrorQuotedBytes);
            int length = IcmpPacket.Write(tx.Slice(TransportOffset), IcmpPacket.TypeDestinationUnreachable, IcmpPacket.CodePortUnreachable, 0,
                ethernet.Payload.Slice(0, quoted));
            SendIpv4Built(tx, ethernet.Source, ip.Source, Ipv4Packet.ProtocolIcmp, length);
        }

        private bool TakeIcmpErrorToken(ulong now)
        {
            if (now < _icmpErrorRefilled) _icmpErrorRefilled = now; // a clock that went back
            ulong earned = (now - _icmpErrorRefilled) / IcmpErrorInterval;
            if (earned > 0)
            {
                ulong tokens = (ulong)_icmpErrorTokens + earned;
                _icmpErrorTokens = tokens > IcmpErrorBurst ? IcmpErrorBurst : (int)tokens;
                _icmpErrorRefilled += earned * IcmpErrorInterval;
            }
            if (_icmpErrorTokens == 0) return false;
            _icmpErrorTokens--;
            return true;
        }

        // The MAC to send to for destination (the gateway's when off the subnet, broadcast for a broadcast
        // address); when it is not known yet, sends an ARP request if one is due and returns ArpPending.
        private SendStatus NextHop(Span<byte> tx, uint destination, ulong now, out MacAddress to, out uint hop)
        {
            to = MacAddress.Broadcast;
            hop = destination;
            if (IsBroadcast(destination)) return SendStatus.Sent;
            hop = ((destination ^ _address) & _netmask) == 0 ? destination : _gateway;
            if (hop == 0 || destination == _address || _address == 0 || IsMulticast(destination))
            {
                _counters.NoRoute++;
                return SendStatus.NoRoute;
            }
            bool resolved = _arp.Lookup(hop, now, out to, out bool requestNow);
            if (requestNow) SendArpRequest(tx, hop);
            if (resolved) return SendStatus.Sent;
            _counters.ArpUnresolved++;
            return SendStatus.ArpPending;
        }

        // Writes the Ethernet and IPv4 headers in front of the payloadBytes already at TransportOffset, sends.
        private SendStatus SendIpv4Built(Span<byte> tx, MacAddress to, uint destination, byte protocol, int payloadBytes, int segmentSize = 0)
        {
            EthernetFrame.WriteHeader(tx, to, _mac, EthernetFrame.TypeIpv4);
            Ipv4Packet.WriteHeader(tx.Slice(IpOffset), _address, destination, protocol, payloadBytes, _identification++, DefaultTtl, true);
            return Transmit(tx.Slice(0, TransportOffset + payloadBytes), segmentSize);
        }

        private void SendArpRequest(Span<byte> tx, uint ip) =>
            SendArp(tx, ArpPacket.Request, MacAddress.Broadcast, MacAddress.Zero, ip);

        private void SendArp(Span<byte> tx, ushort operation, MacAddress to, MacAddress targetMac, uint targetIp)
        {
            EthernetFrame.WriteHeader(tx, to, _mac, EthernetFrame.TypeArp);
            new ArpPacket(operation, _mac, _address, targetMac, targetIp).Write(tx.Slice(EthernetFrame.HeaderBytes));
            Transmit(tx.Slice(0, EthernetFrame.HeaderBytes + ArpPacket.Bytes));
        }

        private SendStatus Transmit(ReadOnlySpan<byte> frame, int segmentSize = 0)
        {
            if (_transmit == null || !_transmit(_transmitContext, frame, segmentSize))
            {
                _counters.TransmitFailed++;
                return SendStatus.TransmitFailed;
            }
            _counters.SentFrames++;
            _counters.SentBytes += (ulong)frame.Length;
            return SendStatus.Sent;
        }

        // The limited broadcast or our subnet's directed broadcast (not on a /31 or /32, which have none).
        private bool IsBroadcast(uint ip) => ip == 0xFFFFFFFF || (_netmask < 0xFFFFFFFE && ip == (_address | ~_netmask));

        private static bool IsMulticast(uint ip) => ip >> 28 == 0xE; // 224.0.0.0/4

        // An address a single host can send from: not 0, not a broadcast, not multicast.
        private bool IsHost(uint ip) => ip != 0 && !IsBroadcast(ip) && !IsMulticast(ip);
    }
}
