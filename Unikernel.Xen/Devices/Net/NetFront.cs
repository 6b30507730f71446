using System;
using Unikernel.Core.Rings;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // One virtual network interface (io/netif.h) through its backend (Linux netback), rx-copy only: the
    // backend copies each received packet into a page we granted, and reads each packet we send from a
    // granted half page. The grants stay for the device's life (netback only copies into rx pages and has
    // unmapped a tx page before it answers), so a packet costs no grant operation and no allocation. A packet
    // up to the MTU goes in one slot; when the backend offers feature-sg and feature-gso-tcpv4, TCP hands
    // down segments of up to 64 KiB, sent from one of LargeBuffers granted 16-page buffers as a slot per page
    // with a GSO extra_info (netback cuts them at the MSS: one request instead of 44). We receive with
    // feature-sg and feature-gso-tcpv4 too, so dom0 hands us TCP segments of up to 64 KiB (one packet, one
    // event, one ACK instead of 45 of each) in several slots. The receive pages are one run, each posted again
    // at its own ring index modulo RxBuffers, and netback fills every slot of a packet but the last to the page
    // end: a packet's pages are consecutive, so it is handed to the stack where it lies. Only its first slot
    // moves (into the unused page of the GSO extra_info slot after it) and what wrapped past the run's end
    // (into the overflow pages after it); anything else is gathered into one buffer by copying.
    internal unsafe struct NetFront
    {
        public const int RxBuffers = 64;    // pages posted for the backend to fill (the ring holds 256)
        public const int TxSlots = 64;      // packets in flight towards the backend, two per page
        public const int TxSlotBytes = 2048;
        public const int MaxFrame = 1514;   // Ethernet header + a 1500-byte MTU
        public const int MaxLargeFrame = 14 + 65535; // a GSO packet: Ethernet header + the largest IPv4 packet
        public const int AssemblyPages = (MaxLargeFrame + 4095) / 4096;
        public const int MaxPacketSlots = 24;  // slots held for one packet (netback uses at most 18 data slots and its extras)
        public const int OverflowPages = MaxPacketSlots; // after the receive run: a packet that wrapped continues here
        public const int LargeBuffers = 8;   // large segments in flight towards the backend (netback answers each once its skb is freed)
        public const int LargePages = 16;    // a frame's size is 16 bits in netif_tx_request: below 64 KiB
        public const int MaxLargeSendFrame = 0xFFFF;
        public const ulong LargeSendMinFreePages = 8192; // 512 KiB of buffers only when the domain has 32 MiB free
        public const int RingSlots = 256;   // __CONST_RING_SIZE(netif_rx, 4096)
        public const ulong ConnectTimeoutNanoseconds = XenbusFrontend.StateTimeoutNanoseconds;

        public XenbusFrontend Front;
        public fixed char IdChars[8];
        public int IdLength;
        public fixed byte Mac[6];
        public byte* TxRingPage, RxRingPage;
        public uint TxRingRef, RxRingRef, Port;
        public FrontRing Tx, Rx;
        public bool Connected, LinkUp;
        public long Broken;                  // a negative errno once the backend misbehaved

        // Where received frames go: deliver(context, frame, length, checksum already validated).
        public delegate*<ulong, byte*, int, bool, void> Deliver;
        public ulong DeliverContext;

        public fixed ulong RxPages[RxBuffers];
        public fixed uint RxRefs[RxBuffers];
        public fixed ushort RxIdAtSlot[RingSlots]; // which page was posted at each ring index (an extra_info slot answers by index)
        public byte* RxRun;                        // RxBuffers pages, then OverflowPages: page i is RxPages[i]
        public byte* Assembly;                     // a multi-slot packet gathered when its pages do not line up
        public bool InPacket, PacketValidated, PacketBad;
        public int ExtrasPending;                  // extra_info slots due before the packet's next data slot
        public uint PacketStart;                   // the ring index of the packet's first slot
        public int PacketSlots;                    // slots of the packet taken so far (their pages are not posted again yet)
        public fixed short SlotLength[MaxPacketSlots]; // per slot of the packet: bytes, or -1 for an extra_info slot
        public fixed ushort SlotOffset[MaxPacketSlots];
        public fixed ushort SlotId[MaxPacketSlots];
        public fixed ulong TxPages[TxSlots / 2];
        public fixed uint TxRefs[TxSlots];
        public fixed ushort TxFree[TxSlots];
        public fixed byte TxBusy[TxSlots + LargeBuffers * LargePages]; // ids from TxSlots on: a large buffer's pages
        public int TxFreeCount;
        public bool LargeSend;                     // the backend cuts large TCP segments (its feature-sg, feature-gso-tcpv4)
        public fixed ulong LargeBase[LargeBuffers]; // 0: not allocated (too little memory)
        public fixed uint LargeRefs[LargeBuffers * LargePages];
        public fixed byte LargeSlotsOut[LargeBuffers]; // slots of a large buffer the backend has not answered yet

        public NetFrontCounters Counters;

        public ReadOnlySpan<char> Id { get { fixed (char* p = IdChars) return new ReadOnlySpan<char>(p, IdLength); } }

        // Connects to device/vif/<id> (netfront's side of io/netif.h's startup): reads the MAC, allocates the
        // rings, the transmit and receive pages and their grant refs, then runs the handshake. 0 or a negative
        // errno; what failed is in `failure`.
        public static long Connect(NetFront* n, ReadOnlySpan<char> id, ref TextBuilder failure)
        {
            for (int i = 0; i < id.Length && i < 8; i++) n->IdChars[i] = id[i];
            n->IdLength = id.Length < 8 ? id.Length : 8;
            long rc = XenbusFrontend.Open(&n->Front, "vif", id);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "reading its xenstore nodes", rc);
            rc = ReadMac(n);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "reading its mac", rc);

            n->TxRingPage = (byte*)FramePool.AllocatePage();
            n->RxRingPage = (byte*)FramePool.AllocatePage();
            if (n->TxRingPage == null || n->RxRingPage == null) return XenbusFrontend.Fail(ref failure, "allocating the rings", XenError.ENOMEM);
            n->Assembly = (byte*)FramePool.AllocatePages(AssemblyPages);
            if (n->Assembly == null) return XenbusFrontend.Fail(ref failure, "allocating the receive assembly buffer", XenError.ENOMEM);
            rc = AllocateRef(out n->TxRingRef);
            if (rc >= 0) rc = AllocateRef(out n->RxRingRef);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "granting the rings", rc);
            for (int i = 0; i < TxSlots / 2; i++)
            {
                byte* page = (byte*)FramePool.AllocatePage();
                if (page == null) return XenbusFrontend.Fail(ref failure, "allocating transmit pages", XenError.ENOMEM);
                n->TxPages[i] = (ulong)page;
                rc = AllocateRef(out n->TxRefs[2 * i]);
                if (rc >= 0) rc = AllocateRef(out n->TxRefs[2 * i + 1]);
                if (rc < 0) return XenbusFrontend.Fail(ref failure, "granting transmit pages", rc);
            }
            n->RxRun = (byte*)FramePool.AllocatePages(RxBuffers + OverflowPages);
            if (n->RxRun == null) return XenbusFrontend.Fail(ref failure, "allocating receive pages", XenError.ENOMEM);
            for (int i = 0; i < RxBuffers; i++)
            {
                n->RxPages[i] = (ulong)(n->RxRun + 4096 * i);
                rc = AllocateRef(out n->RxRefs[i]);
                if (rc < 0) return XenbusFrontend.Fail(ref failure, "granting receive pages", rc);
            }
            if (FramePool.FreePageCount >= LargeSendMinFreePages)
            {
                for (int b = 0; b < LargeBuffers; b++)
                {
                    byte* buffer = (byte*)FramePool.AllocatePages(LargePages + 1); // the last page is never granted
                    if (buffer == null) break; // no run of 17 pages: the small slots serve
                    for (int k = 0; k < LargePages && rc >= 0; k++) rc = AllocateRef(out n->LargeRefs[b * LargePages + k]);
                    if (rc < 0) return XenbusFrontend.Fail(ref failure, "granting the large-send buffers", rc);
                    n->LargeBase[b] = (ulong)buffer;
                }
            }
            return Handshake(n, ref failure);
        }

        // Waits for the backend's InitWait, grants fresh rings and every page to the backend, posts the rx
        // pages, allocates the event channel, publishes tx-ring-ref, rx-ring-ref, event-channel,
        // request-rx-copy and feature-rx-notify with state Connected in one transaction (Linux netback connects
        // only on Connected) and waits for the backend's Connected. Checksum offload stays on (no
        // feature-no-csum-offload): a packet netback marks NETRXF_csum_blank or data_validated came from dom0
        // unchanged and is not checked again. At boot and again after a restore (Linux's xennet_connect).
        private static long Handshake(NetFront* n, ref TextBuilder failure)
        {
            long state = XenbusFrontend.WaitForBackend(&n->Front, XenbusFrontend.Bit(XenbusState.InitWait)
                | XenbusFrontend.Bit(XenbusState.Connected), "netfront: backend InitWait");
            if (state < 0) return XenbusFrontend.Fail(ref failure, "waiting for the backend's InitWait", state);

            ushort backend = n->Front.BackendId;
            FrontRing.InitShared(n->TxRingPage);
            FrontRing.InitShared(n->RxRingPage);
            n->Tx = new FrontRing(n->TxRingPage, 4096, (uint)sizeof(NetifTxRequest));
            n->Rx = new FrontRing(n->RxRingPage, 4096, (uint)sizeof(NetifRxRequest));
            if (n->Tx.Size < TxSlots || n->Rx.Size != RingSlots) Panic.Fail("netfront: the rings are not the size netif.h says");
            GrantTable.GrantAccess(n->TxRingRef, backend, n->TxRingPage, false);
            GrantTable.GrantAccess(n->RxRingRef, backend, n->RxRingPage, false);
            for (int i = 0; i < TxSlots; i++)
            {
                GrantTable.GrantAccess(n->TxRefs[i], backend, (void*)n->TxPages[i >> 1], true);
                n->TxFree[i] = (ushort)(TxSlots - 1 - i);
                n->TxBusy[i] = 0; // a packet in flight at a suspend is lost: TCP sends it again
            }
            n->TxFreeCount = TxSlots;
            SetUpLargeSend(n, backend);
            n->InPacket = false;
            n->ExtrasPending = 0;
            n->PacketSlots = 0;
            for (int i = 0; i < RxBuffers; i++)
            {
                GrantTable.GrantAccess(n->RxRefs[i], backend, (void*)n->RxPages[i], false);
                PostRx(n, (ushort)i);
            }
            n->Rx.PushRequests(); // the backend is not connected yet: nothing to notify

            n->Port = XenbusFrontend.AllocateEventChannel(&n->Front, &OnEvent, (ulong)n);
            long rc = XenbusFrontend.PublishAndWaitConnected(&n->Front, &WriteKeys, (ulong)n, "netfront: backend Connected", ref failure);
            if (rc < 0) return rc;
            n->Connected = true;
            n->LinkUp = true;
            return 0;
        }

        // After the suspend hypercall. Cancelled: the connection is as it was. In a new domain (Linux's
        // netfront_resume, then xennet_connect once the new backend waits): our node's backend and MAC are
        // read again and the handshake runs on the same pages; packets in flight are lost. A backend that does
        // not connect leaves the link down. 0 or a negative errno (in failure).
        public static long Resume(NetFront* n, bool newDomain, ref TextBuilder failure)
        {
            if (!newDomain || !n->Connected || n->Broken != 0) return 0;
            n->Connected = false;
            n->LinkUp = false;
            long rc = XenbusFrontend.Reopen(&n->Front);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "reading its xenstore nodes", rc);
            rc = ReadMac(n);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "reading its mac", rc);
            return Handshake(n, ref failure);
        }

        // Large sends need the backend's feature-sg (several slots a packet) and feature-gso-tcpv4 (GSO
        // extra_info on transmit) and our buffers; without them every packet fits one slot. A large packet in
        // flight at a suspend is lost like any other.
        private static void SetUpLargeSend(NetFront* n, ushort backend)
        {
            for (int id = TxSlots; id < TxSlots + LargeBuffers * LargePages; id++) n->TxBusy[id] = 0;
            n->LargeSend = n->LargeBase[0] != 0
                && n->Front.ReadBackendNumber("feature-sg", out ulong sg) >= 0 && sg == 1
                && n->Front.ReadBackendNumber("feature-gso-tcpv4", out ulong gso) >= 0 && gso == 1;
            for (int b = 0; b < LargeBuffers; b++)
            {
                n->LargeSlotsOut[b] = 0;
                if (n->LargeBase[b] == 0) n->LargeSlotsOut[b] = 0xFF; // never free: not allocated
                else
                    for (int k = 0; k < LargePages; k++)
                        GrantTable.GrantAccess(n->LargeRefs[b * LargePages + k], backend, (byte*)n->LargeBase[b] + 4096 * k, true);
            }
        }

        private static long WriteKeys(XenbusFrontend* f, ulong context, uint transaction)
        {
            var n = (NetFront*)context;
            long rc = XenbusFrontend.WriteNumber(f->FrontPath, "tx-ring-ref", n->TxRingRef, transaction);
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "rx-ring-ref", n->RxRingRef, transaction);
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "event-channel", n->Port, transaction);
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "request-rx-copy", 1, transaction); // netback refuses without it
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "feature-rx-notify", 1, transaction); // else netback polls
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "feature-sg", 1, transaction); // receive in several slots
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "feature-gso-tcpv4", 1, transaction); // TCP segments up to 64 KiB
            if (rc >= 0) rc = f->SwitchState(XenbusState.Connected, transaction);
            return rc;
        }

        // "mac" in our own node: six hex pairs separated by colons.
        private static long ReadMac(NetFront* n)
        {
            Span<byte> value = stackalloc byte[24];
            long length = XenbusFrontend.ReadKey(n->Front.FrontPath, "mac", value);
            if (length < 0) return length;
            if (length != 17) return XenError.EPROTO;
            for (int i = 0; i < 6; i++)
            {
                int hi = Hex(value[3 * i]), lo = Hex(value[3 * i + 1]);
                if (hi < 0 || lo < 0 || (i < 5 && value[3 * i + 2] != (byte)':')) return XenError.EPROTO;
                n->Mac[i] = (byte)(hi << 4 | lo);
            }
            return 0;
        }

        private static int Hex(byte c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        private static long AllocateRef(out uint gref)
        {
            long rc = GrantTable.AllocateRef();
            gref = rc < 0 ? 0 : (uint)rc;
            return rc < 0 ? rc : 0;
        }

        private static void PostRx(NetFront* n, ushort id)
        {
            n->RxIdAtSlot[n->Rx.RequestsProduced & (RingSlots - 1)] = id;
            var request = (NetifRxRequest*)n->Rx.NextRequest();
            request->Id = id;
            request->Gref = n->RxRefs[id];
            n->Rx.Produce();
        }

        // The handler only wakes the poller: packets are taken outside the upcall.
        private static void OnEvent(uint port, ulong data)
        {
            ((NetFront*)data)->Counters.Events++;
            Idle.Kick();
        }

        // Takes every received packet, hands each to Deliver and posts its pages again; takes the transmit
        // completions. Returns the packets received. A response that does not fit what we posted breaks the
        // device: a backend we cannot trust gets no more requests. A packet's pages are posted again only once
        // it was delivered, in ring order, so page i is always the one posted at ring indices i mod RxBuffers.
        public static int Poll(NetFront* n)
        {
            if (!n->Connected || n->Broken != 0) return 0;
            TakeTxResponses(n);
            int received = 0, posted = 0;
            while (true)
            {
                long waiting = n->Rx.UnconsumedResponses;
                if (waiting < 0) { Break(n, "its receive response index ran ahead of our requests"); return received; }
                if (waiting == 0)
                {
                    if (n->Rx.FinalCheckForResponses() == 0) break;
                    continue;
                }
                uint slot = n->Rx.ResponsesConsumed;
                if (n->PacketSlots == 0)
                {
                    n->PacketStart = slot;
                    n->PacketBad = false;
                }
                if (n->PacketSlots == MaxPacketSlots)
                {
                    // Longer than any packet netback makes: dropped, and its pages go back now.
                    if (!n->PacketBad) n->Counters.RxOverlong++;
                    n->PacketBad = true;
                    posted += Repost(n);
                    n->PacketStart = slot;
                }
                int k = n->PacketSlots;
                if (n->ExtrasPending > 0)
                {
                    // An extra_info slot: its page was not used; GSO's is informational (the packet comes whole).
                    var extra = (NetifExtraInfo*)n->Rx.PeekResponse();
                    if ((extra->Flags & Netif.ExtraFlagMore) == 0) n->ExtrasPending = 0;
                    n->Rx.ConsumeResponse();
                    n->SlotId[k] = n->RxIdAtSlot[slot & (RingSlots - 1)];
                    n->SlotLength[k] = -1;
                    n->PacketSlots++;
                }
                else
                {
                    var response = (NetifRxResponse*)n->Rx.PeekResponse();
                    ushort id = response->Id, offset = response->Offset, flags = response->Flags;
                    short status = response->Status;
                    n->Rx.ConsumeResponse();
                    if (id >= RxBuffers || id != n->RxIdAtSlot[slot & (RingSlots - 1)]) { Break(n, "a receive response for a buffer we did not post there"); return received; }
                    if ((flags & Netif.RxGsoPrefix) != 0) { Break(n, "a GSO prefix slot we did not ask for (no feature-gso-tcpv4-prefix)"); return received; }
                    bool first = !n->InPacket, more = (flags & Netif.RxMoreData) != 0;
                    if (first)
                    {
                        n->PacketValidated = (flags & (Netif.RxDataValidated | Netif.RxCsumBlank)) != 0;
                        if ((flags & Netif.RxExtraInfo) != 0) n->ExtrasPending = 1;
                    }
                    bool bad = status < 0 || (status == 0 && first && !more) || offset + status > 4096;
                    if (bad) { if (status < 0) n->Counters.RxErrors++; else n->Counters.RxMalformed++; }
                    if (bad && !first) n->Counters.RxBadFragment++;
                    if (bad) { n->Counters.LastBadStatus = status; n->Counters.LastBadOffset = offset; n->Counters.LastBadFlags = flags; }
                    n->PacketBad |= bad;
                    n->SlotId[k] = id;
                    n->SlotLength[k] = bad ? (short)0 : status;
                    n->SlotOffset[k] = offset;
                    n->PacketSlots++;
                    n->InPacket = more;
                }
                // Complete once its last data slot and its extra_info slots are in (a GSO packet that fits
                // one slot still has its extra_info after it).
                if (!n->InPacket && n->ExtrasPending == 0)
                {
                    if (!n->PacketBad) received += DeliverPacket(n);
                    posted += Repost(n);
                    if (posted >= 16) { Notify(n, n->Rx.PushRequests()); posted = 0; } // keep the backend supplied in a burst
                }
            }
            if (posted > 0) Notify(n, n->Rx.PushRequests());
            return received;
        }

        // Posts the held slots' pages again, in the order they were taken.
        private static int Repost(NetFront* n)
        {
            int count = n->PacketSlots;
            for (int k = 0; k < count; k++) PostRx(n, n->SlotId[k]);
            n->PacketSlots = 0;
            return count;
        }

        // The held slots make one packet: one slot is delivered from its page; several are delivered where
        // they lie when their pages line up, else gathered into the assembly buffer.
        private static int DeliverPacket(NetFront* n)
        {
            int count = n->PacketSlots, data = 0;
            for (int k = 0; k < count; k++) if (n->SlotLength[k] >= 0) data++;
            if (data == 1 && n->SlotLength[0] > 0)
                return DeliverFrame(n, (byte*)n->RxPages[n->SlotId[0]] + n->SlotOffset[0], n->SlotLength[0], n->PacketValidated);
            n->Counters.RxLarge++;
            byte* frame = LineUp(n, out int length);
            if (frame != null)
            {
                n->Counters.RxInPlace++;
                return DeliverFrame(n, frame, length, n->PacketValidated);
            }
            length = 0;
            for (int k = 0; k < count; k++)
            {
                int bytes = n->SlotLength[k];
                if (bytes <= 0) continue;
                if (length + bytes > MaxLargeFrame) { n->Counters.RxOverlong++; return 0; }
                new ReadOnlySpan<byte>((byte*)n->RxPages[n->SlotId[k]] + n->SlotOffset[k], bytes).CopyTo(new Span<byte>(n->Assembly + length, bytes));
                length += bytes;
            }
            n->Counters.RxMoved += (ulong)length;
            return length > 0 ? DeliverFrame(n, n->Assembly, length, n->PacketValidated) : 0;
        }

        // Where the packet's bytes run on without a gap, or null. Slot k of the packet lies at run page
        // (start + k) mod RxBuffers; counted on without the modulo (v = start + k), pages from RxBuffers on
        // are the overflow pages, into which what wrapped is copied. Every data slot after the first must
        // start its page and every one before the last fill it; extra_info slots may only follow the first.
        // The first data slot is copied to end where the second begins (into the extra_info slot's page,
        // which netback left unused) unless it already does.
        private static byte* LineUp(NetFront* n, out int length)
        {
            length = 0;
            int count = n->PacketSlots, startPage = (int)(n->PacketStart & (RxBuffers - 1));
            if (n->SlotLength[0] <= 0 || n->SlotOffset[0] + n->SlotLength[0] != 4096 || n->SlotId[0] != startPage) return null;
            int second = 1;
            while (second < count && n->SlotLength[second] < 0) second++;
            if (second == count) return null;
            for (int k = second; k < count; k++)
            {
                int bytes = n->SlotLength[k];
                if (bytes <= 0 || n->SlotOffset[k] != 0 || (k + 1 < count && bytes != 4096)) return null;
                if (n->SlotId[k] != (startPage + k) % RxBuffers) return null;
                length += bytes;
            }
            length += n->SlotLength[0];
            if (length > MaxLargeFrame) return null;
            for (int k = second; k < count; k++)
            {
                int v = startPage + k;
                if (v < RxBuffers) continue;
                new ReadOnlySpan<byte>(n->RxRun + 4096 * (v - RxBuffers), n->SlotLength[k]).CopyTo(new Span<byte>(n->RxRun + 4096 * v, n->SlotLength[k]));
                n->Counters.RxMoved += (ulong)n->SlotLength[k];
            }
            int firstBytes = n->SlotLength[0];
            byte* begin = n->RxRun + 4096 * (startPage + second) - firstBytes;
            byte* from = (byte*)n->RxPages[n->SlotId[0]] + n->SlotOffset[0];
            if (from != begin)
            {
                new ReadOnlySpan<byte>(from, firstBytes).CopyTo(new Span<byte>(begin, firstBytes));
                n->Counters.RxMoved += (ulong)firstBytes;
            }
            return begin;
        }

        private static int DeliverFrame(NetFront* n, byte* frame, int length, bool validated)
        {
            n->Counters.RxPackets++;
            n->Counters.RxBytes += (ulong)length;
            if (n->Deliver != null) n->Deliver(n->DeliverContext, frame, length, validated);
            return 1;
        }

        private static void Notify(NetFront* n, bool wanted)
        {
            if (!wanted) return;
            n->Counters.Notifications++;
            EventChannels.Send(n->Port);
        }

        private static void TakeTxResponses(NetFront* n)
        {
            while (true)
            {
                long waiting = n->Tx.UnconsumedResponses;
                if (waiting < 0) { Break(n, "its transmit response index ran ahead of our requests"); return; }
                if (waiting == 0) return;
                var response = (NetifTxResponse*)n->Tx.PeekResponse();
                ushort id = response->Id;
                short status = response->Status;
                n->Tx.ConsumeResponse();
                if (status == Netif.RspNull) continue; // an extra_info slot's answer
                if (id >= TxSlots + LargeBuffers * LargePages || n->TxBusy[id] == 0) { Break(n, "a transmit response for no packet in flight"); return; }
                n->TxBusy[id] = 0;
                if (id >= TxSlots)
                {
                    // Each slot of a large packet is answered; the buffer is free once all are (the first
                    // carries the packet's status).
                    int b = (id - TxSlots) / LargePages;
                    if (status != Netif.RspOkay && (id - TxSlots) % LargePages == 0) n->Counters.TxErrors++;
                    n->LargeSlotsOut[b]--;
                    continue;
                }
                if (status != Netif.RspOkay) n->Counters.TxErrors++;
                n->TxFree[n->TxFreeCount++] = id;
            }
        }

        // Sends one frame (copied into a granted slot): false when the device is down or every slot is in
        // flight (counted; the protocols above retransmit). segmentSize > 0: a large TCP segment (LargeSend)
        // whose checksum field holds the pseudo-header's sum, cut by the backend into packets of that payload.
        public static bool Transmit(NetFront* n, ReadOnlySpan<byte> frame, int segmentSize)
        {
            if (!n->Connected || n->Broken != 0 || !n->LinkUp) { n->Counters.TxDown++; return false; }
            if (segmentSize > 0) return TransmitLarge(n, frame, segmentSize);
            if (frame.Length < 14 || frame.Length > MaxFrame) { n->Counters.TxOversize++; return false; }
            if (n->TxFreeCount == 0) TakeTxResponses(n);
            if (n->TxFreeCount == 0 || n->Tx.IsFull) { n->Counters.TxBusy++; return false; }
            ushort id = n->TxFree[--n->TxFreeCount];
            n->TxBusy[id] = 1;
            int offset = (id & 1) * TxSlotBytes;
            frame.CopyTo(new Span<byte>((byte*)n->TxPages[id >> 1] + offset, frame.Length));
            var request = (NetifTxRequest*)n->Tx.NextRequest();
            request->Gref = n->TxRefs[id];
            request->Offset = (ushort)offset;
            request->Flags = 0; // checksums are filled in by our stack
            request->Id = id;
            request->Size = (ushort)frame.Length;
            n->Tx.Produce();
            n->Counters.TxPackets++;
            n->Counters.TxBytes += (ulong)frame.Length;
            Notify(n, n->Tx.PushRequests());
            return true;
        }

        // A large buffer the backend does not hold, to build the next large frame in (null: all are in flight,
        // or there are none). It has LargePages + 1 pages: room past the frame for TCP's largest header.
        public static byte* FreeLargeBuffer(NetFront* n)
        {
            if (!n->LargeSend) return null;
            TakeTxResponses(n);
            for (int b = 0; b < LargeBuffers; b++)
                if (n->LargeSlotsOut[b] == 0) return (byte*)n->LargeBase[b];
            return null;
        }

        // One large frame: the first slot gives the whole size and NETTXF_csum_blank (the checksum is partial),
        // an extra_info slot the GSO type and size, then a slot for each further page (netif.h "tx requests").
        private static bool TransmitLarge(NetFront* n, ReadOnlySpan<byte> frame, int segmentSize)
        {
            if (!n->LargeSend || frame.Length <= 14 || frame.Length > MaxLargeSendFrame || segmentSize > 0xFFFF)
            {
                n->Counters.TxOversize++;
                return false;
            }
            int pages = (frame.Length + 4095) / 4096;
            TakeTxResponses(n);
            // The buffer the frame was built in (FreeLargeBuffer) when it is one of ours, else the first free one.
            byte* start;
            fixed (byte* f = frame) start = f;
            for (int h = 0; h < LargeBuffers; h++)
                if (n->LargeSlotsOut[h] != 0 && start >= (byte*)n->LargeBase[h] && start < (byte*)n->LargeBase[h] + 4096 * (LargePages + 1))
                    Panic.Fail("netfront: a large frame was built in a buffer the backend still holds");
            int b = 0;
            while (b < LargeBuffers && !(n->LargeSlotsOut[b] == 0 && (byte*)n->LargeBase[b] == start)) b++;
            bool inPlace = b < LargeBuffers;
            if (!inPlace)
            {
                b = 0;
                while (b < LargeBuffers && n->LargeSlotsOut[b] != 0) b++;
            }
            if (b == LargeBuffers || n->Tx.FreeRequests < (uint)pages + 1) { n->Counters.TxBusy++; return false; }
            byte* buffer = (byte*)n->LargeBase[b];
            if (!inPlace) frame.CopyTo(new Span<byte>(buffer, frame.Length));
            else n->Counters.TxInPlace++;
            for (int k = 0; k < pages; k++)
            {
                int id = TxSlots + b * LargePages + k;
                var request = (NetifTxRequest*)n->Tx.NextRequest();
                request->Gref = n->LargeRefs[b * LargePages + k];
                request->Offset = 0;
                request->Id = (ushort)id;
                request->Size = (ushort)(k == 0 ? frame.Length : Math.Min(4096, frame.Length - 4096 * k));
                request->Flags = k + 1 < pages ? Netif.TxMoreData : (ushort)0;
                if (k == 0) request->Flags |= Netif.TxCsumBlank | Netif.TxDataValidated | Netif.TxExtraInfo;
                n->Tx.Produce();
                n->TxBusy[id] = 1;
                if (k == 0)
                {
                    var extra = (NetifExtraInfo*)n->Tx.NextRequest();
                    *extra = default;
                    extra->Type = Netif.ExtraTypeGso;
                    extra->GsoSize = (ushort)segmentSize;
                    extra->GsoType = Netif.GsoTypeTcpv4;
                    n->Tx.Produce();
                }
            }
            n->LargeSlotsOut[b] = (byte)pages;
            n->Counters.TxPackets++;
            n->Counters.TxLarge++;
            n->Counters.TxBytes += (ulong)frame.Length;
            Notify(n, n->Tx.PushRequests());
            return true;
        }

        // Follows the backend's state once its watch fired: anything but Connected takes the link down. Read
        // only when xenstore is idle (pollers also run while a xenstore request waits); a later poll catches up.
        public static void CheckLink(NetFront* n)
        {
            if (!n->Connected || XenStoreService.IsBusy || !XenbusFrontend.TakeChange(&n->Front)) return;
            long state = n->Front.BackendState();
            bool up = state == (long)XenbusState.Connected;
            if (up == n->LinkUp) return;
            n->LinkUp = up;
            n->Counters.LinkChanges++;
        }

        private static void Break(NetFront* n, string why)
        {
            n->Broken = XenError.EIO;
            n->LinkUp = false;
            var text = new TextBuilder(stackalloc char[160]);
            text.Append($"# netfront {n->Id}: the backend sent {why}; the device is broken");
            XenConsole.WriteLine(text.Text);
        }

        // At shutdown: closes the xenbus connection and the event channel. The pages stay granted: the
        // domain is going away, and a backend that still maps one must not see it reused.
        public static void Disconnect(NetFront* n)
        {
            if (!n->Connected) return;
            n->Connected = false;
            n->LinkUp = false;
            long rc = XenbusFrontend.Close(&n->Front);
            if (rc < 0)
            {
                var text = new TextBuilder(stackalloc char[96]);
                text.Append($"# netfront {n->Id}: closing: ");
                XenError.AppendResult(ref text, rc);
                XenConsole.WriteLine(text.Text);
            }
            EventChannels.Close(n->Port);
        }
    }

    // What a netfront has done, for the status line.
    internal struct NetFrontCounters
    {
        public ulong RxPackets, RxBytes, RxErrors, RxMalformed, RxLarge; // RxLarge: packets gathered from several slots
        public ulong RxBadFragment, RxOverlong; // a bad slot after a packet's first; more than 64 KiB gathered
        public ulong RxInPlace, RxMoved;        // multi-slot packets handed over where they lay; bytes moved to line them up
        public short LastBadStatus;                // the latest bad slot, for telling a backend's fault from ours
        public ushort LastBadOffset, LastBadFlags;
        public ulong TxPackets, TxBytes, TxLarge, TxInPlace, TxErrors, TxBusy, TxDown, TxOversize; // TxLarge: segments the backend cut; TxInPlace: those built in their buffer (no copy)
        public ulong Events, Notifications, LinkChanges;
    }
}
