using System;

namespace Unikernel.Core.Net.Tcp
{
    // Acknowledgments, sending, and the timers: retransmission (RFC 6298), fast retransmit and congestion
    // control (RFC 5681, RFC 6582, RFC 3042), zero-window probes (RFC 9293 3.8.6.1), delayed ACKs and
    // keep-alive (RFC 1122 4.2.3.2, 4.2.3.6), the ends of TIME-WAIT and FIN-WAIT-2.
    public unsafe partial struct TcpStack
    {
        // An acceptable ACK (SND.UNA <= SEG.ACK <= SND.MAX) on a synchronized connection: duplicate ACK
        // counting, SND.UNA, the congestion window, and the send window (RFC 9293 3.10.7.4 fifth).
        private void AckSegment(int i, ref TcpHeader h, int dataLength, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            uint ack = h.Acknowledgment;
            uint window = (uint)h.Window << c.SndShift;
            uint mss = (uint)c.SendMss;
            if (ack == c.SndUna)
            {
                // RFC 5681 2: a duplicate ACK carries no data, does not change the window, while data is out
                // (not just a zero-window probe: answers to those say nothing of loss).
                if (dataLength == 0 && !h.Has(TcpFlags.Fin) && window == c.SndWnd && window != 0 && Gt(c.SndNxt, c.SndUna))
                {
                    c.DupAcks++;
                    if (c.DupAcks == 3 && !c.InRecovery && Gt(c.SndMax, c.Recover))
                    {
                        // RFC 6582 3.2: fast retransmit, then recovery until everything sent so far is acknowledged.
                        c.Ssthresh = HalfFlight(ref c);
                        c.Recover = c.SndMax;
                        c.InRecovery = true;
                        c.Cwnd = c.Ssthresh + 3 * mss;
                        RetransmitFirst(i, now);
                        _s->Counters.FastRetransmits++;
                    }
                    else if (c.InRecovery && c.Cwnd < MaxCwnd) c.Cwnd += mss; // each duplicate is a segment that left the network
                }
            }
            else
            {
                uint acked = ack - c.SndUna;
                AckArrived(i, ack, now);
                if (c.InRecovery)
                {
                    if (Ge(ack, c.Recover))
                    {
                        c.InRecovery = false;
                        c.Cwnd = c.Ssthresh;
                    }
                    else
                    {
                        // A partial ACK: the next hole is lost too (RFC 6582 3.2 step 5).
                        RetransmitFirst(i, now);
                        _s->Counters.FastRetransmits++;
                        c.Cwnd = c.Cwnd > acked ? c.Cwnd - acked + mss : mss;
                    }
                }
                else if (c.Cwnd < c.Ssthresh)
                {
                    // Slow start counting every byte acknowledged (RFC 3465's byte counting without its per-ACK
                    // limit, as Linux's tcp_slow_start): a Linux receiver with GRO answers a large segment with
                    // one stretch ACK, and one segment a stretch ACK would grow the window by one per round trip.
                    ulong grown = (ulong)c.Cwnd + acked;
                    c.Cwnd = grown < c.Ssthresh ? (uint)grown : c.Ssthresh;
                }
                else c.Cwnd += (uint)Math.Max(1ul, (ulong)mss * acked / c.Cwnd); // congestion avoidance: one segment per window acknowledged
                if (c.Cwnd > MaxCwnd) c.Cwnd = MaxCwnd; // an application-limited sender would grow it forever
                c.DupAcks = 0;
            }
            // RFC 9293 3.10.7.4: the window is taken from the newest segment only.
            if (Lt(c.SndWl1, h.Sequence) || (c.SndWl1 == h.Sequence && Le(c.SndWl2, ack)))
            {
                c.SndWnd = window;
                c.SndWl1 = h.Sequence;
                c.SndWl2 = ack;
            }
        }

        private const uint MaxCwnd = 1u << 30; // the largest scaled window (RFC 7323 2.3)
        private const ulong OutputRetryDelay = 1_000_000; // 1 ms: a full transmit ring drains in about that

        private static uint Max(uint a, uint b) => a > b ? a : b;

        // RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
        private static uint HalfFlight(ref TcpConnection c) => Max((c.SndMax - c.SndUna) / 2, 2 * (uint)c.SendMss);

        // SND.UNA moves to ack: what it covers leaves the send ring, an RTT sample is taken (Karn: only of a
        // segment sent once), and the retransmission timer restarts (RFC 6298 5.3).
        private void AckArrived(int i, uint ack, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            if (!c.SynAcked && Gt(ack, c.Iss)) c.SynAcked = true;
            int data = (int)(ack - c.SndBase);
            if (data > c.Send.Count) data = c.Send.Count;
            if (data > 0)
            {
                c.Send.Discard(data);
                c.SndBase += (uint)data;
            }
            c.SndUna = ack;
            if (Lt(c.SndNxt, ack)) c.SndNxt = ack;
            if (c.RttTiming && Ge(ack, c.RttSeq))
            {
                c.RttTiming = false;
                if (now >= c.RttStart) RttSample(ref c, now - c.RttStart); // a clock that went back gives no sample
            }
            c.Retries = 0;
            c.RetransmitDeadline = Gt(c.SndMax, c.SndUna) ? now + c.Rto : 0;
        }

        // RFC 6298 2.2-2.4, with alpha 1/8, beta 1/4, K 4 and a clock granularity of 1 ms.
        private void RttSample(ref TcpConnection c, ulong r)
        {
            if (!c.HasRttSample)
            {
                c.Srtt = r;
                c.RttVar = r / 2;
                c.HasRttSample = true;
            }
            else
            {
                ulong delta = c.Srtt > r ? c.Srtt - r : r - c.Srtt;
                c.RttVar = c.RttVar - c.RttVar / 4 + delta / 4;
                c.Srtt = c.Srtt - c.Srtt / 8 + r / 8;
            }
            ulong rto = c.Srtt + Max(TcpConfig.Millisecond, 4 * c.RttVar);
            c.Rto = Min(Max(rto, _s->Config.MinRto), _s->Config.MaxRto);
        }

        // ---- Timers ----

        // Runs what is due at now: queued output, delayed ACKs, retransmissions, probes, keep-alives, closings.
        public void Poll(ulong now)
        {
            _s->LastNow = now;
            _s->OutputPending = false;
            if (_s->RetryAt != 0 && now >= _s->RetryAt) _s->RetryAt = 0; // every connection's output is tried below
            for (int i = 0; i < MaxConnections; i++)
            {
                ref TcpConnection c = ref Conn(i);
                if (!c.Used) continue;
                if (c.CloseDeadline != 0 && now >= c.CloseDeadline)
                {
                    Closed(i, TcpStatus.Closed);
                    continue;
                }
                if (c.State == TcpState.TimeWait)
                {
                    if (c.AckPending) Output(i, now);
                    continue;
                }
                if (c.AckDeadline != 0 && now >= c.AckDeadline) c.AckPending = true;
                if (c.RetransmitDeadline != 0 && now >= c.RetransmitDeadline) RetransmitTimeout(i, now);
                else if (c.PersistDeadline != 0 && now >= c.PersistDeadline) Probe(i, now);
                else if (now >= KeepAliveDeadline(ref c)) KeepAlive(i, now);
                if (c.Used) Output(i, now);
            }
        }

        // Sends what one connection has queued (after its write, close or a read that opened its window)
        // without visiting the others as Poll does: with many connections that scan would cost every call.
        // Timers stay Poll's. A closed handle still flushes: its FIN leaves now.
        public void Flush(int conn, ulong now)
        {
            if (conn < 0 || conn >= MaxConnections || !Conn(conn).Used) return;
            _s->LastNow = now;
            Output(conn, now);
        }

        // After a write: sends at once when nothing is in flight (an answer to a request leaves without delay)
        // or a whole segment is queued; else the tail waits for the next Poll, which the platform runs before
        // its CPU idles, so a writer's successive small writes leave as one large segment instead of one each
        // (as Linux's autocorking). True when output was left for that Poll.
        public bool FlushWritten(int conn, ulong now)
        {
            if (conn < 0 || conn >= MaxConnections || !Conn(conn).Used) return false;
            ref TcpConnection c = ref Conn(conn);
            if (c.SndNxt == c.SndUna || Unsent(ref c) >= SegmentLimit(ref c) || !CanSendData(c.State))
            {
                Flush(conn, now);
                return false;
            }
            return true; // Write left OutputPending set: NextDeadline is 0 until the poll
        }

        // When Poll is next needed: 0 when output is waiting, ulong.MaxValue when nothing is timed.
        public ulong NextDeadline
        {
            get
            {
                if (_s->OutputPending) return 0;
                ulong next = _s->RetryAt != 0 ? _s->RetryAt : ulong.MaxValue;
                for (int i = 0; i < MaxConnections; i++)
                {
                    ref TcpConnection c = ref Conn(i);
                    if (!c.Used) continue;
                    if (c.AckPending && _s->RetryAt == 0) return 0; // with the device full, the retry is soon enough
                    if (c.CloseDeadline != 0) next = Min(next, c.CloseDeadline);
                    if (c.AckDeadline != 0) next = Min(next, c.AckDeadline);
                    next = Min(next, KeepAliveDeadline(ref c));
                    if (c.RetransmitDeadline != 0) next = Min(next, c.RetransmitDeadline);
                    if (c.PersistDeadline != 0) next = Min(next, c.PersistDeadline);
                }
                return next;
            }
        }

        // RFC 6298 5.4-5.7: resend from SND.UNA with the timeout doubled; RFC 5681 (4): one segment of window.
        // After MaxRetransmissions timeouts in a row the connection is reset.
        private void RetransmitTimeout(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            if (++c.Retries > _s->Config.MaxRetransmissions)
            {
                GiveUp(i, now);
                return;
            }
            _s->Counters.Retransmits++;
            c.Rto = Min(c.Rto * 2, _s->Config.MaxRto);
            c.Ssthresh = HalfFlight(ref c);
            c.Cwnd = (uint)c.SendMss;
            c.DupAcks = 0;
            c.InRecovery = false;
            c.Recover = c.SndMax;
            c.RttTiming = false;
            c.SndNxt = c.SynAcked ? c.SndUna : c.Iss;
            c.RetransmitDeadline = now + c.Rto;
        }

        private void GiveUp(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            _s->Counters.ConnectionsTimedOut++;
            if (c.State != TcpState.SynSent) SendReset(c.RemoteAddress, c.LocalPort, c.RemotePort, c.SndMax, 0, false, now);
            if (c.State == TcpState.SynReceived && !c.AppOwned) Free(i);
            else Closed(i, TcpStatus.TimedOut);
        }

        // Keep-alive runs on a quiet synchronized connection with nothing outstanding: after KeepAliveIdle of
        // silence, and KeepAliveInterval after each unanswered probe.
        private ulong KeepAliveDeadline(ref TcpConnection c)
        {
            ulong idle = _s->Config.KeepAliveIdle;
            if (idle == 0 || (c.State != TcpState.Established && c.State != TcpState.CloseWait)) return ulong.MaxValue;
            if (Gt(c.SndMax, c.SndUna) || c.PersistDeadline != 0) return ulong.MaxValue;
            return c.KeepAlivesSent == 0 ? c.LastHeard + idle : c.LastKeepAlive + _s->Config.KeepAliveInterval;
        }

        // RFC 1122 4.2.3.6: a segment one below SND.UNA, which the peer can only answer with an ACK.
        private void KeepAlive(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            if (c.KeepAlivesSent >= _s->Config.KeepAliveProbes)
            {
                GiveUp(i, now);
                return;
            }
            c.KeepAlivesSent++;
            c.LastKeepAlive = now;
            SendSegment(i, c.SndUna - 1, TcpFlags.Ack, 0, 0, now);
        }

        // A zero window with data waiting: one byte past the window (RFC 9293 3.8.6.1), again at growing
        // intervals for as long as the peer answers. It is not counted into SND.NXT: an ACK of it moves
        // SND.UNA past it.
        private void Probe(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            // RFC 1122 4.2.2.17 says probe for as long as the peer answers; a connection nobody owns any more
            // gets the retransmission limit instead, or a peer that never reads would hold its slot forever.
            if (c.AppClosed && ++c.Retries > _s->Config.MaxRetransmissions)
            {
                GiveUp(i, now);
                return;
            }
            _s->Counters.WindowProbes++;
            int offset = (int)(c.SndNxt - c.SndBase);
            if (offset >= 0 && offset < c.Send.Count)
            {
                SendSegment(i, c.SndNxt, TcpFlags.Ack, offset, 1, now);
                if (Gt(c.SndNxt + 1, c.SndMax)) c.SndMax = c.SndNxt + 1;
            }
            if (c.PersistBackoff < 16) c.PersistBackoff++;
            c.PersistDeadline = now + Min(c.Rto << c.PersistBackoff, _s->Config.MaxRto);
        }

        // ---- Sending ----

        private static bool CanSendData(TcpState state) =>
            state == TcpState.Established || state == TcpState.CloseWait || state == TcpState.FinWait1
            || state == TcpState.LastAck || state == TcpState.Closing;

        // Sends what the connection may send now: its SYN, data the windows allow, its FIN, else a pending ACK;
        // then sets the timers.
        private void Output(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            if (!c.Used || c.State == TcpState.Closed) return;
            if ((c.State == TcpState.SynSent || c.State == TcpState.SynReceived) && c.SndNxt == c.Iss)
            {
                bool first = c.SndMax == c.Iss;
                byte flags = c.State == TcpState.SynSent ? TcpFlags.Syn : (byte)(TcpFlags.Syn | TcpFlags.Ack);
                if (!SendSegment(i, c.Iss, flags, 0, 0, now))
                {
                    SetTimers(ref c, now);
                    return;
                }
                c.SndNxt = c.Iss + 1;
                if (first)
                {
                    c.SndMax = c.SndNxt;
                    c.RttTiming = true;
                    c.RttSeq = c.SndNxt;
                    c.RttStart = now;
                }
            }
            else if (CanSendData(c.State))
            {
                for (int segments = 0; segments < 64; segments++)
                {
                    int offset = (int)(c.SndNxt - c.SndBase);
                    int available = c.Send.Count - offset;
                    if (offset < 0 || available < 0) break;
                    uint inFlight = c.SndNxt - c.SndUna;
                    // RFC 3042 limited transmit: the first two duplicate ACKs each let one new segment out, so
                    // a small window still gathers the three duplicates fast retransmit needs.
                    uint cwnd = c.Cwnd + (c.InRecovery ? 0 : (uint)Min(c.DupAcks, 2) * (uint)c.SendMss);
                    uint window = c.SndWnd < cwnd ? c.SndWnd : cwnd;
                    int usable = window > inFlight ? (int)Min(window - inFlight, 0x7FFFFFFF) : 0;
                    int limit = SegmentLimit(ref c);
                    int length = Min(available, Min(limit, usable));
                    // Sender silly-window avoidance (RFC 9293 3.8.6.2.1): no small piece while data is out
                    // unless it is the last of what is queued.
                    if (length < available && length < c.SendMss && inFlight > 0) length = 0;
                    // A piece the window cuts short is whole segments (as Linux's tcp_mss_split_point): the last
                    // bytes of the peer's window would otherwise be filled by a sliver and its next ACK
                    // advertise a zero window (a Linux receiver's reader then reopens it one ACK per read).
                    if (length < available && length > c.SendMss) length -= length % c.SendMss;
                    // A window-limited piece under a third of the window waits while data is in flight (Linux's
                    // tcp_tso_should_defer with tcp_tso_win_divisor 3): a receiver that reopens its window a
                    // read at a time would otherwise get a segment of one or two MSS per window update, each
                    // costing it as much as a large one. The ACKs of what is in flight bound the wait. Not in loss
                    // recovery or limited transmit (nor does Linux): there the window never reaches a third free,
                    // and each duplicate ACK's segment keeps the ACK clock going.
                    if (length < available && length < limit && inFlight > 0 && (uint)length < window / 3
                        && !c.InRecovery && c.DupAcks == 0) length = 0;
                    // TSO deferral (as Linux's tcp_tso_should_defer): while a whole large segment is in flight
                    // and the writer waits for room in the ring, a shorter segment waits for the writer to
                    // complete it (the next ACK frees room). Otherwise segments shrink to what each ACK frees,
                    // and the receiver's work (per segment, and an ACK or two each) grows. The ACKs of what is
                    // in flight, or its retransmission, bound the wait.
                    if (length == available && length < limit && limit > c.SendMss && inFlight >= (uint)limit
                        && c.WriterWaiting && !c.FinQueued) length = 0;
                    bool fin = c.FinQueued && c.SndNxt + (uint)length == c.FinSeq;
                    if (length == 0 && !fin) break;
                    byte flags = TcpFlags.Ack;
                    if (length > 0 && length == available) flags |= TcpFlags.Psh;
                    if (fin) flags |= TcpFlags.Fin;
                    bool fresh = Ge(c.SndNxt, c.SndMax);
                    if (!SendSegment(i, c.SndNxt, flags, offset, length, now))
                    {
                        // The device had no room for a large segment (its large buffers in flight): one MSS may
                        // still fit a small slot. Else SND.NXT stays for the retry.
                        if (length <= c.SendMss) break;
                        length = c.SendMss;
                        fin = false;
                        flags = TcpFlags.Ack;
                        if (!SendSegment(i, c.SndNxt, flags, offset, length, now)) break;
                    }
                    c.SndNxt += (uint)length + (fin ? 1u : 0u);
                    if (Gt(c.SndNxt, c.SndMax)) c.SndMax = c.SndNxt;
                    if (fresh && !c.RttTiming)
                    {
                        c.RttTiming = true;
                        c.RttSeq = c.SndNxt;
                        c.RttStart = now;
                    }
                    if (fin) break;
                }
            }
            // A bare ACK carries SND.MAX, not SND.NXT: after a timeout rewound SND.NXT the peer may already hold
            // more, and would find a lower number out of its window and answer with an ACK of its own, forever.
            if (c.AckPending && c.State != TcpState.SynSent)
                SendSegment(i, c.SndMax, TcpFlags.Ack, 0, 0, now); // refused: stays pending for the retry
            else c.AckPending = false; // nothing to acknowledge in SYN-SENT: it must not hold NextDeadline at 0
            SetTimers(ref c, now);
        }

        // The retransmission timer runs while anything is unacknowledged, unless the zero-window probe timer
        // has taken over (nothing in flight but data waiting for the window).
        private void SetTimers(ref TcpConnection c, ulong now)
        {
            bool unsent = CanSendData(c.State) && Unsent(ref c) > 0;
            bool persist = c.SndWnd == 0 && unsent && c.SndNxt == c.SndUna;
            if (persist)
            {
                c.RetransmitDeadline = 0;
                if (c.PersistDeadline == 0) c.PersistDeadline = now + Min(c.Rto << c.PersistBackoff, _s->Config.MaxRto);
                return;
            }
            c.PersistDeadline = 0;
            c.PersistBackoff = 0;
            if (!Gt(c.SndMax, c.SndUna)) c.RetransmitDeadline = 0;
            else if (c.RetransmitDeadline == 0) c.RetransmitDeadline = now + c.Rto;
        }

        // Bytes queued and not yet sent (SND.NXT up to the ring's end).
        private static int Unsent(ref TcpConnection c) => (int)(c.SndBase + (uint)c.Send.Count - c.SndNxt);

        // The most payload one segment may carry: one MSS, or with TSO as many whole MSS as LargeSendBytes holds.
        private int SegmentLimit(ref TcpConnection c)
        {
            int large = _s->Config.LargeSendBytes - (c.TsOk ? TimestampOptionBytes : 0); // it counts a bare header
            return large > c.SendMss ? large / c.SendMss * c.SendMss : c.SendMss;
        }

        // Resends the first unacknowledged segment (fast retransmit) without moving SND.NXT.
        private void RetransmitFirst(int i, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            c.RttTiming = false;
            if (!c.SynAcked) return;
            int offset = (int)(c.SndUna - c.SndBase);
            if (offset < 0) return;
            int length = Min(c.Send.Count - offset, c.SendMss);
            if (length < 0) return;
            bool fin = c.FinQueued && c.SndUna + (uint)length == c.FinSeq;
            if (length == 0 && !fin) return;
            SendSegment(i, c.SndUna, (byte)(TcpFlags.Ack | (fin ? TcpFlags.Fin : 0)), offset, length, now);
        }

        // Builds one segment of connection i in the scratch buffer and hands it to the IP layer. A SYN carries
        // MSS and window scale options and an unscaled window (RFC 7323 2.2). False when the device refused it
        // (its transmit ring full): the caller keeps what it would have advanced, an ACK stays due.
        private bool SendSegment(int i, uint seq, byte flags, int offset, int length, ulong now)
        {
            ref TcpConnection c = ref Conn(i);
            TcpHeader h = default;
            h.SourcePort = c.LocalPort;
            h.DestinationPort = c.RemotePort;
            h.Sequence = seq;
            h.Flags = flags;
            int window = ReceiveWindow(ref c);
            if ((flags & TcpFlags.Syn) != 0)
            {
                h.Mss = (ushort)_s->Config.Mss;
                // Offered in our SYN; in a SYN-ACK only if the peer offered it (RFC 7323 1.3).
                bool scale = c.State == TcpState.SynSent || c.SndShift != 0 || c.RcvShift != 0;
                if (scale)
                {
                    h.HasWindowScale = true;
                    h.WindowScale = _s->RcvShift;
                }
                if (window > 0xFFFF) window = 0xFFFF;
                h.Window = (ushort)window;
            }
            else
            {
                h.Window = (ushort)(window >> c.RcvShift);
                window = h.Window << c.RcvShift;
            }
            bool ack = (flags & TcpFlags.Ack) != 0;
            if (ack) h.Acknowledgment = c.RcvNxt;
            if (c.TsOk || (flags & TcpFlags.Syn) != 0 && c.State == TcpState.SynSent)
            {
                h.HasTimestamps = true;
                h.TimestampValue = (uint)(now / 1_000_000) + c.TsOffset;
                h.TimestampEcho = c.TsOk ? c.TsRecent : 0;
            }
            Span<byte> scratch = new Span<byte>(_s->Scratch, _s->ScratchLength);
            int headerLength = h.Write(scratch);
            c.Send.CopyOut(offset, scratch.Slice(headerLength, length));
            if (!Transmit(c.RemoteAddress, scratch.Slice(0, headerLength + length), length > c.SendMss ? c.SendMss : 0, now))
                return false; // an ACK that was due still is: its state changes only once one has left
            if ((flags & (TcpFlags.Syn | TcpFlags.Fin)) == 0 && length == 0) _s->Counters.AcksOut++;
            if ((flags & TcpFlags.Syn) == 0 && window < c.RcvMss) _s->Counters.SmallWindows++;
            if (ack)
            {
                c.LastAckSent = c.RcvNxt;
                c.AckPending = false;
                c.AckDeadline = 0;
                c.FullSegmentsUnacked = 0;
                c.RcvEdge = c.RcvNxt + (uint)window;
            }
            _s->Counters.BytesOut += (ulong)length;
            return true;
        }

        // A RST outside any connection's numbers (RFC 9293 3.10.7.1, 3.10.5).
        private void SendReset(uint destination, ushort sourcePort, ushort destinationPort, uint seq, uint ack, bool withAck, ulong now)
        {
            TcpHeader h = default;
            h.SourcePort = sourcePort;
            h.DestinationPort = destinationPort;
            h.Sequence = seq;
            h.Acknowledgment = withAck ? ack : 0;
            h.Flags = withAck ? (byte)(TcpFlags.Rst | TcpFlags.Ack) : TcpFlags.Rst;
            Span<byte> scratch = new Span<byte>(_s->Scratch, _s->ScratchLength);
            int length = h.Write(scratch);
            _s->Counters.ResetsSent++;
            Transmit(destination, scratch.Slice(0, length), 0, now);
        }

        // segmentSize > 0: a large segment the device cuts into packets of that payload (TSO), which also
        // completes each packet's checksum from the pseudo-header's sum left in the field.
        private bool Transmit(uint destination, Span<byte> segment, int segmentSize, ulong now)
        {
            if (segmentSize > 0) TcpHeader.FillPseudoHeaderChecksum(segment, _s->LocalAddress, destination);
            else TcpHeader.FillChecksum(segment, _s->LocalAddress, destination);
            if (_s->Output(_s->Context, destination, Protocol, segment, segmentSize, now))
            {
                _s->Counters.SegmentsOut++;
                if (segmentSize > 0) _s->Counters.LargeSegmentsOut++;
                return true;
            }
            if (segmentSize > 0)
            {
                _s->Counters.LargeRefused++; // the caller sends one MSS instead
                return false;
            }
            // The device is full (or down): Poll tries again shortly instead of leaving it to the
            // retransmission timer, a second away; what was refused is still queued.
            _s->Counters.OutputFailed++;
            if (_s->RetryAt == 0) _s->RetryAt = now + OutputRetryDelay;
            return false;
        }
    }
}
