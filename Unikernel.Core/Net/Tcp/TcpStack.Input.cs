using System;

namespace Unikernel.Core.Net.Tcp
{
    // Segment arrival (RFC 9293 3.10.7).
    public unsafe partial struct TcpStack
    {
        // A segment from the IP layer: TCP header and data, from source to destination (host order). The
        // checksum is verified here unless the IP layer (or the NIC) already did.
        public void Receive(uint source, uint destination, ReadOnlySpan<byte> segment, bool checksumValidated, ulong now)
        {
            _s->LastNow = now;
            _s->Counters.SegmentsIn++;
            if (!checksumValidated && !TcpHeader.VerifyChecksum(segment, source, destination))
            {
                _s->Counters.DropBadChecksum++;
                return;
            }
            if (destination != _s->LocalAddress)
            {
                // Not ours (or no address yet): no connection can match, and a RST from here would lie.
                _s->Counters.DropOther++;
                return;
            }
            if (TcpHeader.TryParse(segment, out TcpHeader h) != TcpParseResult.Ok || h.SourcePort == 0 || h.DestinationPort == 0
                || (h.Has(TcpFlags.Syn) && h.Has(TcpFlags.Fin | TcpFlags.Rst)))
            {
                _s->Counters.DropMalformed++;
                return;
            }
            ReadOnlySpan<byte> data = segment.Slice(h.HeaderLength);
            int i = Find(source, h.SourcePort, h.DestinationPort);
            if (i >= 0 && Conn(i).State == TcpState.TimeWait && h.Has(TcpFlags.Syn) && !h.Has(TcpFlags.Ack)
                && Gt(h.Sequence, Conn(i).RcvNxt) && FindListener(h.DestinationPort) >= 0)
            {
                // RFC 9293 3.6.1 / RFC 1122 4.2.2.13: a new SYN above the old sequence space may reopen.
                Free(i);
                i = -1;
            }
            if (i >= 0)
            {
                Conn(i).LastHeard = now;
                Conn(i).KeepAlivesSent = 0;
                if (Conn(i).State == TcpState.SynSent) SynSentInput(i, ref h, now);
                else if (Conn(i).State == TcpState.Closed) NoConnection(source, ref h, data.Length, now);
                else SynchronizedInput(i, ref h, data, now);
                if (!Conn(i).Used) { _s->AckNow = false; return; }
                // A segment out of order, or one that filled a gap, is answered at once even in a batch (RFC
                // 5681 4.2): each duplicate ACK counts towards the peer's fast retransmit.
                if (_s->DeferOutput && !_s->AckNow) _s->OutputPending = true;
                else Output(i, now);
                _s->AckNow = false;
                return;
            }
            int listener = FindListener(h.DestinationPort);
            if (listener >= 0) ListenInput(listener, source, ref h, now);
            else NoConnection(source, ref h, data.Length, now);
        }

        // RFC 9293 3.10.7.1: a RST answers anything but a RST; its numbers make the peer take it.
        private void NoConnection(uint source, ref TcpHeader h, int dataLength, ulong now)
        {
            _s->Counters.DropNoConnection++;
            if (h.Has(TcpFlags.Rst)) return;
            if (h.Has(TcpFlags.Ack)) SendReset(source, h.DestinationPort, h.SourcePort, h.Acknowledgment, 0, false, now);
            else SendReset(source, h.DestinationPort, h.SourcePort, 0, h.Sequence + (uint)SegmentLength(ref h, dataLength), true, now);
        }

        private static int SegmentLength(ref TcpHeader h, int dataLength) =>
            dataLength + (h.Has(TcpFlags.Syn) ? 1 : 0) + (h.Has(TcpFlags.Fin) ? 1 : 0);

        // RFC 9293 3.10.7.2: LISTEN.
        private void ListenInput(int listener, uint source, ref TcpHeader h, ulong now)
        {
            if (h.Has(TcpFlags.Rst))
            {
                _s->Counters.DropOther++;
                return;
            }
            if (h.Has(TcpFlags.Ack))
            {
                _s->Counters.DropNoConnection++;
                SendReset(source, h.DestinationPort, h.SourcePort, h.Acknowledgment, 0, false, now);
                return;
            }
            if (!h.Has(TcpFlags.Syn))
            {
                _s->Counters.DropOther++;
                return;
            }
            if (Pending(listener) >= _s->Config.Backlog)
            {
                _s->Counters.DropBacklogFull++;
                return;
            }
            int i = Allocate();
            if (i < 0)
            {
                _s->Counters.DropNoResources++;
                return;
            }
            Setup(i, source, h.SourcePort, h.DestinationPort, listener, now);
            ref TcpConnection c = ref Conn(i);
            TakeSynOptions(ref c, ref h);
            c.Irs = h.Sequence;
            c.RcvNxt = h.Sequence + 1;
            c.SndWnd = h.Window; // never scaled in a SYN (RFC 7323 2.2)
            c.SndWl1 = h.Sequence;
            c.SndWl2 = c.Iss;
            c.State = TcpState.SynReceived;
            // Data on the SYN is not kept: the peer sends it again once the handshake is done.
            Output(i, now);
        }

        // The options of the peer's SYN: its MSS (RFC 9293 3.7.1; at least 64 so no segment is absurdly small)
        // and window scaling, used only when both sides send it (RFC 7323 2.2).
        private void TakeSynOptions(ref TcpConnection c, ref TcpHeader h)
        {
            int mss = h.Mss != 0 ? h.Mss : 536;
            c.SendMss = Max(64, Min(mss, _s->Config.Mss));
            // Timestamps when the SYN carries them (ours always offers them): each segment then has 12 bytes of
            // options fewer payload (RFC 7323 3.2, RFC 6691).
            c.TsOk = h.HasTimestamps;
            if (c.TsOk)
            {
                c.TsRecent = h.TimestampValue;
                c.TsRecentAt = _s->LastNow;
                c.SendMss = Max(64, c.SendMss - TimestampOptionBytes);
            }
            c.RcvMss = c.SendMss; // a first guess at what the peer sends; DelayAck learns the real size
            c.Cwnd = InitialWindow(c.SendMss);
            if (h.HasWindowScale)
            {
                c.SndShift = (byte)(h.WindowScale > TcpHeader.MaxWindowScale ? TcpHeader.MaxWindowScale : h.WindowScale);
                c.RcvShift = _s->RcvShift;
            }
            else
            {
                c.SndShift = 0;
                c.RcvShift = 0;
            }
        }

        private const ulong PawsIdleLimit = 24UL * 24 * 3600 * 1_000_000_000; // RFC 7323 5.5: 24 days, in ns

        // RFC 9293 3.10.7.3: SYN-SENT.
        private void SynSentInput(int i, ref TcpHeader h, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            bool ack = h.Has(TcpFlags.Ack);
            if (ack && (Le(h.Acknowledgment, c.Iss) || Gt(h.Acknowledgment, c.SndMax)))
            {
                _s->Counters.DropOutOfWindow++;
                if (!h.Has(TcpFlags.Rst)) SendReset(c.RemoteAddress, c.LocalPort, c.RemotePort, h.Acknowledgment, 0, false, now);
                return;
            }
            if (h.Has(TcpFlags.Rst))
            {
                _s->Counters.ResetsReceived++;
                if (!ack)
                {
                    _s->Counters.DropOther++;
                    return;
                }
                _s->Counters.ConnectionsReset++;
                Closed(i, TcpStatus.Reset); // connection refused
                return;
            }
            if (!h.Has(TcpFlags.Syn))
            {
                _s->Counters.DropOther++;
                return;
            }
            TakeSynOptions(ref c, ref h);
            c.Irs = h.Sequence;
            c.RcvNxt = h.Sequence + 1;
            c.SndWnd = h.Window;
            c.SndWl1 = h.Sequence;
            c.SndWl2 = h.Acknowledgment;
            c.AckPending = true;
            if (ack)
            {
                AckArrived(i, h.Acknowledgment, now);
                c.State = TcpState.Established;
                _s->Counters.ConnectionsOpened++;
            }
            else
            {
                // Simultaneous open: SYN-RECEIVED, and our SYN goes again with an ACK.
                c.State = TcpState.SynReceived;
                c.SndNxt = c.Iss;
            }
        }

        // RFC 9293 3.10.7.4: every state from SYN-RECEIVED on.
        private void SynchronizedInput(int i, ref TcpHeader h, ReadOnlySpan<byte> data, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            uint seq = h.Sequence;
            int length = SegmentLength(ref h, data.Length);

            // A retransmitted SYN: our SYN-ACK was lost.
            if (c.State == TcpState.SynReceived && h.Has(TcpFlags.Syn) && !h.Has(TcpFlags.Ack) && seq == c.Irs)
            {
                c.SndNxt = c.Iss;
                return;
            }

            // PAWS (RFC 7323 5.3 R1): a segment timestamped before the latest in-order one is an old duplicate;
            // it is answered with an ACK and dropped. Not after 24 days idle (5.5): the peer's clock may have
            // wrapped past half its range since.
            if (c.TsOk && h.HasTimestamps && !h.Has(TcpFlags.Rst) && Lt(h.TimestampValue, c.TsRecent) && now - c.TsRecentAt < PawsIdleLimit)
            {
                _s->Counters.DropOutOfWindow++;
                c.AckPending = true;
                return;
            }

            // First, the sequence number (the four cases of RFC 9293 3.10.7.4).
            int window = ReceiveWindow(ref c);
            bool acceptable;
            if (length == 0)
                acceptable = window == 0 ? seq == c.RcvNxt : Le(c.RcvNxt, seq) && Lt(seq, c.RcvNxt + (uint)window);
            else
                acceptable = window != 0 && (InWindow(seq, c.RcvNxt, window) || InWindow(seq + (uint)length - 1, c.RcvNxt, window));
            if (!acceptable)
            {
                _s->Counters.DropOutOfWindow++;
                if (!h.Has(TcpFlags.Rst)) c.AckPending = true;
                if (c.State == TcpState.TimeWait && h.Has(TcpFlags.Fin)) c.CloseDeadline = now + 2 * _s->Config.Msl;
                return;
            }

            // Second, RST: RFC 5961 3.2, only the exact next sequence number resets; in-window others are answered
            // with a challenge ACK.
            if (h.Has(TcpFlags.Rst))
            {
                _s->Counters.ResetsReceived++;
                if (seq != c.RcvNxt)
                {
                    _s->Counters.DropOutOfWindow++;
                    c.AckPending = true;
                    return;
                }
                ResetArrived(i);
                return;
            }

            // Fourth, SYN in a synchronized state: a challenge ACK (RFC 5961 4.2), the segment dropped.
            if (h.Has(TcpFlags.Syn))
            {
                _s->Counters.DropOther++;
                c.AckPending = true;
                return;
            }

            // Fifth, ACK.
            if (!h.Has(TcpFlags.Ack))
            {
                _s->Counters.DropOther++;
                return;
            }
            uint ack = h.Acknowledgment;
            if (c.State == TcpState.SynReceived)
            {
                if (!(Lt(c.SndUna, ack) && Le(ack, c.SndMax)))
                {
                    _s->Counters.DropOutOfWindow++;
                    SendReset(c.RemoteAddress, c.LocalPort, c.RemotePort, ack, 0, false, now);
                    return;
                }
                c.State = TcpState.Established;
                c.AcceptOrder = ++_s->AcceptCounter;
                c.SndWnd = (uint)h.Window << c.SndShift;
                c.SndWl1 = seq;
                c.SndWl2 = ack;
                _s->Counters.ConnectionsOpened++;
            }
            if (Gt(ack, c.SndMax))
            {
                // Acknowledges what was never sent (RFC 9293: send an ACK, drop the segment).
                _s->Counters.DropOutOfWindow++;
                c.AckPending = true;
                return;
            }
            // RFC 7323 4.3: the timestamp to echo is the one of the segment that reaches what we last ACKed;
            // taken only from a segment that passed every check (as Linux), so a forged one cannot move it.
            if (c.TsOk && h.HasTimestamps && Le(seq, c.LastAckSent) && Ge(h.TimestampValue, c.TsRecent))
            {
                c.TsRecent = h.TimestampValue;
                c.TsRecentAt = now;
            }
            if (Ge(ack, c.SndUna)) AckSegment(i, ref h, data.Length, now);
            if (!c.Used) return;

            bool finAcked = c.FinQueued && Gt(c.SndUna, c.FinSeq);
            switch (c.State)
            {
                case TcpState.FinWait1:
                    if (finAcked) EnterFinWait2(i, now);
                    break;
                case TcpState.Closing:
                    if (finAcked) EnterTimeWait(i, now);
                    break;
                case TcpState.LastAck:
                    if (finAcked)
                    {
                        Closed(i, TcpStatus.Closed);
                        return;
                    }
                    break;
                case TcpState.TimeWait:
                    // Only a retransmitted FIN can come here; ACK it and wait the full time again.
                    if (h.Has(TcpFlags.Fin))
                    {
                        c.AckPending = true;
                        c.CloseDeadline = now + 2 * _s->Config.Msl;
                    }
                    return;
            }

            // Seventh, the data (URG, sixth, is not supported: urgent data is read as ordinary data).
            bool finInWindow = h.Has(TcpFlags.Fin);
            if (data.Length > 0)
            {
                if (c.State == TcpState.Established || c.State == TcpState.FinWait1 || c.State == TcpState.FinWait2)
                    finInWindow &= ReceiveData(i, seq, data, now);
                else
                    c.AckPending = true; // after the peer's FIN: nothing more may come
            }

            // Eighth, FIN: taken when everything before it is here, remembered when it is past a gap.
            if (finInWindow && !c.FinReceived)
            {
                uint finSeq = seq + (uint)data.Length;
                if (Gt(finSeq, c.RcvNxt))
                {
                    c.RemoteFinPending = true;
                    c.RemoteFinSeq = finSeq;
                    c.AckPending = true;
                }
                else if (finSeq == c.RcvNxt) FinArrived(i, now);
            }
            else if (c.RemoteFinPending && !c.FinReceived && c.RemoteFinSeq == c.RcvNxt) FinArrived(i, now);
        }

        private static bool InWindow(uint seq, uint start, int window) => Le(start, seq) && Lt(seq, start + (uint)window);

        private void ResetArrived(int i)
        {
            ref TcpConnection c = ref Conn(i);
            _s->Counters.ConnectionsReset++;
            switch (c.State)
            {
                case TcpState.SynReceived:
                    // From a listener it goes back to LISTEN: the slot is simply freed. Else refused.
                    if (c.Listener >= 0) Free(i);
                    else Closed(i, TcpStatus.Reset);
                    return;
                case TcpState.Closing: case TcpState.LastAck: case TcpState.TimeWait:
                    Closed(i, TcpStatus.Closed);
                    return;
                default:
                    Closed(i, TcpStatus.Reset);
                    return;
            }
        }

        private void FinArrived(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            c.RcvNxt++;
            c.FinReceived = true;
            c.RemoteFinPending = false;
            c.AckPending = true;
            switch (c.State)
            {
                case TcpState.SynReceived: case TcpState.Established:
                    c.State = TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    if (Gt(c.SndUna, c.FinSeq)) EnterTimeWait(i, now);
                    else c.State = TcpState.Closing;
                    break;
                case TcpState.FinWait2:
                    EnterTimeWait(i, now);
                    break;
            }
        }

        // A peer that never sends its FIN must not hold the slot of a connection nobody owns any more
        // (RFC 9293 leaves FIN-WAIT-2 unbounded; like most stacks this one bounds it once closed).
        private void EnterFinWait2(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            c.State = TcpState.FinWait2;
            if (c.AppClosed) c.CloseDeadline = now + _s->Config.FinWait2Timeout;
        }

        private void EnterTimeWait(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            c.State = TcpState.TimeWait;
            c.CloseDeadline = now + 2 * _s->Config.Msl;
            c.RetransmitDeadline = 0;
            c.PersistDeadline = 0;
        }

        // In-window data (RFC 9293 3.10.7.4 seventh): what precedes RCV.NXT is trimmed, what passes the window
        // cut off; in order it goes to the ring, past a gap into the ring's free space, remembered as a range.
        // Returns false if the end was cut off (so a FIN on the segment is not taken).
        private bool ReceiveData(int i, uint seq, ReadOnlySpan<byte> data, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            bool ackWasPending = c.AckPending;
            c.AckPending = true; // at once, unless it turns out to be plain in-order data (DelayAck)
            int skip = Lt(seq, c.RcvNxt) ? (int)(c.RcvNxt - seq) : 0;
            if (skip >= data.Length) return true; // all old: the ACK tells the peer where we are
            data = data.Slice(skip);
            seq += (uint)skip;
            int offset = (int)(seq - c.RcvNxt);
            int room = ReceiveWindow(ref c) - offset;
            if (room <= 0) return false;
            bool whole = data.Length <= room;
            if (!whole) data = data.Slice(0, room);
            if (c.AppClosed)
            {
                // Nobody will read it: acknowledge what is in order, keep nothing.
                if (offset == 0) c.RcvNxt += (uint)data.Length;
                return whole;
            }
            if (offset == 0)
            {
                c.Receive.Append(data);
                c.RcvNxt += (uint)data.Length;
                _s->Counters.BytesIn += (ulong)data.Length;
                if (c.OutOfOrderCount == 0 && whole && !ackWasPending) DelayAck(ref c, data.Length, now);
                else
                {
                    if (c.OutOfOrderCount > 0) _s->AckNow = true; // filling a gap is acknowledged at once (RFC 5681 4.2)
                    TakeOutOfOrder(ref c);
                }
                return whole;
            }
            _s->Counters.OutOfOrderSegments++;
            _s->AckNow = true;
            if (!AddOutOfOrder(ref c, seq, seq + (uint)data.Length))
            {
                _s->Counters.DropOutOfOrderFull++;
                return false;
            }
            c.Receive.WriteAt(c.Receive.Count + offset, data);
            return whole;
        }

        // RFC 1122 4.2.3.2 / RFC 5681 4.2: in-order data may wait for the ACK up to DelayedAck, but every
        // second full-sized segment is acknowledged at once.
        private void DelayAck(ref TcpConnection c, int length, ulong now)
        {
            ulong delay = _s->Config.DelayedAck;
            if (delay == 0) return;
            // The peer's segment size, as seen; a segment above our MSS is several of its segments that GSO
            // kept together on the way, and counts as that many.
            if (length > c.RcvMss && length <= _s->Config.Mss) c.RcvMss = length;
            if (length >= c.RcvMss)
            {
                c.FullSegmentsUnacked += length / (c.RcvMss > 0 ? c.RcvMss : 1);
                if (c.FullSegmentsUnacked >= 2) return;
            }
            c.AckPending = false;
            if (c.AckDeadline == 0) c.AckDeadline = now + delay;
        }

        // Records [start, end) past RCV.NXT, merged with the ranges it touches; false if that would make more
        // ranges than are kept.
        private static bool AddOutOfOrder(ref TcpConnection c, uint start, uint end)
        {
            uint* starts = stackalloc uint[TcpConnection.MaxOutOfOrder];
            uint* ends = stackalloc uint[TcpConnection.MaxOutOfOrder];
            int n = 0;
            for (int k = 0; k < c.OutOfOrderCount; k++)
            {
                uint s = c.OutOfOrderStart[k], e = c.OutOfOrderEnd[k];
                if (Lt(e, start) || Gt(s, end))
                {
                    starts[n] = s;
                    ends[n] = e;
                    n++;
                }
                else
                {
                    if (Lt(s, start)) start = s;
                    if (Gt(e, end)) end = e;
                }
            }
            if (n == TcpConnection.MaxOutOfOrder) return false;
            int at = 0;
            while (at < n && Lt(starts[at], start)) at++;
            for (int k = n; k > at; k--)
            {
                starts[k] = starts[k - 1];
                ends[k] = ends[k - 1];
            }
            starts[at] = start;
            ends[at] = end;
            n++;
            for (int k = 0; k < n; k++)
            {
                c.OutOfOrderStart[k] = starts[k];
                c.OutOfOrderEnd[k] = ends[k];
            }
            c.OutOfOrderCount = n;
            return true;
        }

        // After RCV.NXT moved: ranges it reached become data (their bytes are already in the ring).
        private void TakeOutOfOrder(ref TcpConnection c)
        {
            while (c.OutOfOrderCount > 0 && Le(c.OutOfOrderStart[0], c.RcvNxt))
            {
                uint end = c.OutOfOrderEnd[0];
                if (Gt(end, c.RcvNxt))
                {
                    int n = (int)(end - c.RcvNxt);
                    c.Receive.Commit(n);
                    _s->Counters.BytesIn += (ulong)n;
                    c.RcvNxt = end;
                }
                for (int k = 1; k < c.OutOfOrderCount; k++)
                {
                    c.OutOfOrderStart[k - 1] = c.OutOfOrderStart[k];
                    c.OutOfOrderEnd[k - 1] = c.OutOfOrderEnd[k];
                }
                c.OutOfOrderCount--;
            }
        }
    }
}
