using System;
using Unikernel.Core.Rings;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // One virtual block device (io/blkif.h) through its backend (Linux blkback): a single shared ring page,
    // one request slot per ring entry with its own 11 bounce pages, so a request allocates nothing. A request's
    // pages are granted to the backend when it is made and the grants ended when its response is taken; a slot
    // whose grants the backend still maps is not reused until they are ended (GrantTable defers them).
    // Completion comes by event; the responses are taken by whoever waits or polls, outside the handler.
    internal unsafe struct BlockFront
    {
        public const int Slots = 32;                                // the blkif ring's entry count on x86_64
        public const int MaxSegments = Blkif.MaxSegmentsPerRequest;
        public const int MaxTransferBytes = MaxSegments * 4096;
        public const ulong RequestTimeoutNanoseconds = 30_000_000_000;
        public const ulong DefaultDrainNanoseconds = 5_000_000_000;
        public const byte NoFlush = 0xFF;

        public enum SlotState : byte { Free, InFlight, Completed }

        public struct Slot
        {
            public SlotState State;
            public byte Operation;
            public byte Segments;
            public int Pending;             // grants not yet ended (the backend may still map them)
            public ulong Sector;            // in the device's sectors, for error reports
            public int Length;
            public long Status;             // 0 or a negative errno once completed
            public byte* Bounce;            // MaxSegments contiguous pages
            public byte* Destination;       // where a read's data goes, or null
            public fixed uint Refs[MaxSegments];
        }

        public XenbusFrontend Front;
        public ushort VirtualDevice;
        public fixed char NameChars[8];
        public int NameLength;
        public byte* RingPage;
        public uint RingRef;
        public uint Port;
        public FrontRing Ring;
        public ulong Sectors512;             // "sectors": always 512-byte units
        public uint SectorSize;              // "sector-size": the device's logical sector
        public uint Info;                    // "info": VDISK_* flags
        public bool ReadOnly;
        public byte FlushOperation;          // BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER or NoFlush
        public bool Connected, Suspending;
        public long Broken;                  // a negative errno once the backend misbehaved
        public ulong Requests, Notifications, Events, Reissued;
        public int InFlight;
        public fixed byte SlotBytes[Slots * 96];  // Slot[Slots]

        public Slot* SlotAt(int i) { fixed (byte* p = SlotBytes) return (Slot*)p + i; }
        public ReadOnlySpan<char> Name { get { fixed (char* p = NameChars) return new ReadOnlySpan<char>(p, NameLength); } }
        public ulong SectorCount => Sectors512 * Blkif.SectorBytes / SectorSize;

        // Connects to device/vbd/<id> (blkfront's side of io/blkif.h's startup): allocates the ring and the
        // slots' bounce pages, then runs the handshake. 0 or a negative errno; what failed is in `failure`.
        public static long Connect(BlockFront* d, ReadOnlySpan<char> id, ref TextBuilder failure)
        {
            if (sizeof(Slot) > 96) Panic.Fail("blkfront: slot storage too small");
            long rc = XenbusFrontend.Open(&d->Front, "vbd", id);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "reading its xenstore nodes", rc);
            d->RingPage = (byte*)FramePool.AllocatePage();
            if (d->RingPage == null) return XenbusFrontend.Fail(ref failure, "allocating the ring page", XenError.ENOMEM);
            for (int i = 0; i < Slots; i++)
            {
                Slot* slot = d->SlotAt(i);
                slot->Bounce = (byte*)FramePool.AllocatePages(MaxSegments);
                if (slot->Bounce == null) return XenbusFrontend.Fail(ref failure, "allocating bounce pages", XenError.ENOMEM);
            }
            long gref = GrantTable.AllocateRef();
            if (gref < 0) return XenbusFrontend.Fail(ref failure, "granting the ring", gref);
            d->RingRef = (uint)gref;
            return Handshake(d, ref failure);
        }

        // Waits for the backend's InitWait, grants a fresh ring, allocates the event channel, publishes
        // ring-ref, event-channel and protocol with state Initialised in one transaction, waits for the
        // backend's Connected (Linux blkback connects on our Initialised), reads the disk's size and features,
        // and says Connected. At boot and again after a restore (Linux's talk_to_blkback).
        private static long Handshake(BlockFront* d, ref TextBuilder failure)
        {
            long state = XenbusFrontend.WaitForBackend(&d->Front, XenbusFrontend.Bit(XenbusState.InitWait)
                | XenbusFrontend.Bit(XenbusState.Initialised) | XenbusFrontend.Bit(XenbusState.Connected), "blkfront: backend InitWait");
            if (state < 0) return XenbusFrontend.Fail(ref failure, "waiting for the backend's InitWait", state);

            FrontRing.InitShared(d->RingPage);
            d->Ring = new FrontRing(d->RingPage, 4096, (uint)sizeof(BlkifRequest));
            if (d->Ring.Size != Slots) Panic.Fail("blkfront: the ring does not hold 32 requests");
            GrantTable.GrantAccess(d->RingRef, d->Front.BackendId, d->RingPage, false);

            d->Port = XenbusFrontend.AllocateEventChannel(&d->Front, &OnEvent, (ulong)d);
            long rc = XenbusFrontend.PublishAndWaitConnected(&d->Front, &WriteKeys, (ulong)d, "blkfront: backend Connected", ref failure);
            if (rc < 0) return rc;

            rc = d->Front.ReadBackendNumber("sectors", out d->Sectors512);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "reading sectors", rc);
            d->SectorSize = d->Front.ReadBackendNumber("sector-size", out ulong sectorSize) < 0 ? Blkif.SectorBytes : (uint)sectorSize;
            if (d->SectorSize < Blkif.SectorBytes || d->SectorSize > 4096 || (d->SectorSize & (d->SectorSize - 1)) != 0)
                return XenbusFrontend.Fail(ref failure, "its sector-size", XenError.EPROTO);
            d->Info = d->Front.ReadBackendNumber("info", out ulong info) < 0 ? 0 : (uint)info;
            d->ReadOnly = (d->Info & Blkif.InfoReadOnly) != 0;
            // What the backend offers (io/blkif.h): a cache flush, else a barrier, else nothing is claimed.
            d->FlushOperation = NoFlush;
            if (d->Front.ReadBackendNumber("feature-flush-cache", out ulong flush) >= 0 && flush != 0) d->FlushOperation = Blkif.OpFlushDiskCache;
            else if (d->Front.ReadBackendNumber("feature-barrier", out ulong barrier) >= 0 && barrier != 0) d->FlushOperation = Blkif.OpWriteBarrier;

            rc = d->Front.SwitchState(XenbusState.Connected);
            if (rc < 0) return XenbusFrontend.Fail(ref failure, "switching to Connected", rc);
            d->Connected = true;
            return 0;
        }

        // Before a suspend: no new requests, and those in flight are given `drain` nanoseconds to finish (a
        // save keeps the others, re-issued after a restore as Linux's blkif_recover does with all of them; a
        // cancelled suspend leaves them to complete as usual). Returns how many are still in flight.
        public static int Quiesce(BlockFront* d, ulong drain)
        {
            if (!d->Connected) return 0;
            d->Suspending = true;
            ulong deadline = PvClock.Now + drain;
            while (d->InFlight > 0 && d->Broken == 0 && PvClock.Now < deadline)
            {
                TakeResponses(d);
                if (d->InFlight > 0) BoundedWait.Until(&HasResponses, (ulong)d, 10_000_000, "blkfront suspend");
            }
            return d->Broken == 0 ? d->InFlight : 0;
        }

        // After the suspend hypercall. Cancelled: the connection is as it was. In a new domain (Linux's
        // blkfront_resume and blkif_recover): the handshake again with the backend the toolstack made there, on
        // a fresh ring and event channel, then every request still in flight is issued again (reads and writes
        // of whole sectors and flushes may be repeated), its pages granted to the new backend. A backend that
        // does not connect breaks the device: its requests complete with -EIO. 0 or a negative errno (in failure).
        public static long Resume(BlockFront* d, bool newDomain, ref TextBuilder failure)
        {
            d->Suspending = false;
            if (!newDomain || !d->Connected || d->Broken != 0) return 0;
            d->Connected = false;
            long rc = XenbusFrontend.Reopen(&d->Front);
            if (rc < 0) XenbusFrontend.Fail(ref failure, "reading its xenstore nodes", rc);
            else rc = Handshake(d, ref failure);
            if (rc < 0)
            {
                FailInFlight(d);
                return rc;
            }
            int reissued = 0;
            for (int i = 0; i < Slots; i++)
            {
                Slot* slot = d->SlotAt(i);
                if (slot->State != SlotState.InFlight) continue;
                Issue(d, slot, i);
                reissued++;
            }
            d->Reissued += (ulong)reissued;
            if (reissued > 0) Push(d);
            return 0;
        }

        private static long WriteKeys(XenbusFrontend* f, ulong context, uint transaction)
        {
            var d = (BlockFront*)context;
            long rc = XenbusFrontend.WriteNumber(f->FrontPath, "ring-ref", d->RingRef, transaction);
            if (rc >= 0) rc = XenbusFrontend.WriteNumber(f->FrontPath, "event-channel", d->Port, transaction);
            if (rc >= 0) rc = XenbusFrontend.WriteKey(f->FrontPath, "protocol", Blkif.Protocol, transaction);
            if (rc >= 0) rc = f->SwitchState(XenbusState.Initialised, transaction);
            return rc;
        }



        // The handler only wakes the waiter: responses are taken outside the upcall.
        private static void OnEvent(uint port, ulong data)
        {
            ((BlockFront*)data)->Events++;
            Idle.Kick();
        }

        // Starts a request: a tag (the slot) >= 0, or a negative errno: -EROFS writing a read-only disk,
        // -EINVAL a length that is not whole sectors of at most MaxTransferBytes or a range past the end,
        // -EOPNOTSUPP a flush the backend does not offer, -EBUSY all slots in use, -ENOSPC no grant refs,
        // -EAGAIN while the domain suspends (from a suspend hook).
        public static long Submit(BlockFront* d, byte operation, ulong sector, byte* data, int length, byte* destination)
        {
            if (d->Broken < 0) return d->Broken;
            if (!d->Connected) return XenError.ENODEV;
            if (d->Suspending) return XenError.EAGAIN;
            bool flush = operation == Blkif.OpFlushDiskCache || operation == Blkif.OpWriteBarrier;
            if (operation == Blkif.OpWrite && d->ReadOnly) return XenError.EROFS;
            if (flush)
            {
                if (d->FlushOperation == NoFlush) return XenError.EOPNOTSUPP;
                if (d->ReadOnly) return XenError.EROFS;
                length = 0;
            }
            else
            {
                if (length <= 0 || length > MaxTransferBytes || length % (int)d->SectorSize != 0) return XenError.EINVAL;
                ulong count = (ulong)length / d->SectorSize;
                if (sector >= d->SectorCount || count > d->SectorCount - sector) return XenError.EINVAL;
            }
            int index = -1;
            for (int i = 0; i < Slots; i++) if (d->SlotAt(i)->State == SlotState.Free && d->SlotAt(i)->Pending == 0) { index = i; break; }
            if (index < 0 || d->Ring.IsFull) return XenError.EBUSY;
            Slot* slot = d->SlotAt(index);

            int segments = (length + 4095) / 4096;
            for (int s = 0; s < segments; s++)
            {
                long gref = GrantTable.AllocateRef();
                if (gref < 0)
                {
                    for (int k = 0; k < s; k++) GrantTable.FreeRef(slot->Refs[k]); // not granted yet
                    return gref;
                }
                slot->Refs[s] = (uint)gref;
            }
            if (operation == Blkif.OpWrite) new ReadOnlySpan<byte>(data, length).CopyTo(new Span<byte>(slot->Bounce, length));
            slot->State = SlotState.InFlight;
            slot->Operation = operation;
            slot->Segments = (byte)segments;
            slot->Pending = segments;
            slot->Sector = sector;
            slot->Length = length;
            slot->Status = 0;
            slot->Destination = destination;
            Issue(d, slot, index);
            d->InFlight++;
            d->Requests++;
            Push(d);
            return index;
        }

        // The slot's request on the ring, its pages granted to the backend (again, after a restore).
        private static void Issue(BlockFront* d, Slot* slot, int index)
        {
            var request = (BlkifRequest*)d->Ring.NextRequest();
            request->Operation = slot->Operation;
            request->NrSegments = slot->Segments;
            request->Handle = d->VirtualDevice;
            request->Id = (ulong)index;
            request->SectorNumber = slot->Sector * (d->SectorSize / Blkif.SectorBytes);
            for (int s = 0; s < slot->Segments; s++)
            {
                int bytes = slot->Length - s * 4096 < 4096 ? slot->Length - s * 4096 : 4096;
                // A read lets the backend write our page; a write only read it.
                GrantTable.GrantAccess(slot->Refs[s], d->Front.BackendId, slot->Bounce + s * 4096, slot->Operation != Blkif.OpRead);
                var segment = (BlkifSegment*)&request->Segments[s];
                segment->Gref = slot->Refs[s];
                segment->FirstSect = 0;
                segment->LastSect = (byte)(bytes / (int)Blkif.SectorBytes - 1);
            }
            d->Ring.Produce();
        }

        private static void Push(BlockFront* d)
        {
            if (!d->Ring.PushRequests()) return;
            d->Notifications++;
            EventChannels.Send(d->Port);
        }

        // Takes every response the backend has published: checks it, copies a read's data out, ends the
        // grants. A response for no request in flight breaks the device (every waiter then gets -EIO).
        public static void TakeResponses(BlockFront* d)
        {
            while (true)
            {
                long waiting = d->Ring.UnconsumedResponses;
                if (waiting < 0) { Break(d, "its response index ran ahead of our requests"); return; }
                if (waiting == 0) return;
                var response = (BlkifResponse*)d->Ring.PeekResponse();
                ulong id = response->Id;
                short status = response->Status;
                d->Ring.ConsumeResponse();
                if (id >= Slots || d->SlotAt((int)id)->State != SlotState.InFlight) { Break(d, "a response for no request in flight"); return; }
                Slot* slot = d->SlotAt((int)id);
                slot->Status = status == Blkif.RspOkay ? 0 : status == Blkif.RspEopnotsupp ? XenError.EOPNOTSUPP : XenError.EIO;
                if (slot->Status == 0 && slot->Operation == Blkif.OpRead && slot->Destination != null)
                    new ReadOnlySpan<byte>(slot->Bounce, slot->Length).CopyTo(new Span<byte>(slot->Destination, slot->Length));
                for (int s = 0; s < slot->Segments; s++) GrantTable.EndAccess(slot->Refs[s], &Released, (ulong)slot);
                slot->State = SlotState.Completed;
                d->InFlight--;
            }
        }

        private static void Released(ulong slot) => ((Slot*)slot)->Pending--;

        private static void Break(BlockFront* d, string why)
        {
            var text = new TextBuilder(stackalloc char[160]);
            text.Append($"# blkfront {d->Name}: the backend sent {why}; the device is broken");
            XenConsole.WriteLine(text.Text);
            FailInFlight(d);
        }

        // Every request in flight completes with -EIO and the device takes no more.
        private static void FailInFlight(BlockFront* d)
        {
            d->Broken = XenError.EIO;
            for (int i = 0; i < Slots; i++)
            {
                Slot* slot = d->SlotAt(i);
                if (slot->State != SlotState.InFlight) continue;
                slot->State = SlotState.Completed; // its grants stay: the backend may still use the pages
                slot->Status = XenError.EIO;
                d->InFlight--;
            }
        }

        // Waits (bounded) until request `tag` completed; its status, or -ETIMEDOUT when the backend has not
        // answered within RequestTimeoutNanoseconds (the request stays in flight), or -EINVAL for a tag that
        // is not in flight.
        public static long Wait(BlockFront* d, int tag)
        {
            if ((uint)tag >= Slots || d->SlotAt(tag)->State == SlotState.Free) return XenError.EINVAL;
            ulong deadline = PvClock.Now + RequestTimeoutNanoseconds;
            while (true)
            {
                TakeResponses(d);
                Slot* slot = d->SlotAt(tag);
                if (slot->State == SlotState.Completed) return slot->Status;
                ulong now = PvClock.Now;
                if (now >= deadline) return XenError.ETIMEDOUT;
                BoundedWait.Until(&HasResponses, (ulong)d, deadline - now, "blkfront request");
            }
        }

        // Waits (bounded) until any request completed; its tag, or -ETIMEDOUT, or -ENOENT with none in flight.
        public static long WaitAny(BlockFront* d)
        {
            ulong deadline = PvClock.Now + RequestTimeoutNanoseconds;
            while (true)
            {
                TakeResponses(d);
                for (int i = 0; i < Slots; i++) if (d->SlotAt(i)->State == SlotState.Completed) return i;
                if (d->InFlight == 0) return XenError.ENOENT;
                ulong now = PvClock.Now;
                if (now >= deadline) return XenError.ETIMEDOUT;
                BoundedWait.Until(&HasResponses, (ulong)d, deadline - now, "blkfront request");
            }
        }

        // The caller has the result: the slot may be reused once its grants are ended.
        public static void Release(BlockFront* d, int tag)
        {
            Slot* slot = d->SlotAt(tag);
            if (slot->State == SlotState.Completed) slot->State = SlotState.Free;
        }

        // With events masked (Idle's condition): the ring's final check, which also asks for the next event.
        private static bool HasResponses(ulong address) => ((BlockFront*)address)->Ring.FinalCheckForResponses() != 0;

        // At shutdown: lets requests in flight finish (bounded), closes the xenbus connection, ends the ring's
        // grant and closes the event channel.
        public static void Disconnect(BlockFront* d)
        {
            if (!d->Connected) return;
            ulong deadline = PvClock.Now + 5_000_000_000;
            while (d->InFlight > 0 && d->Broken == 0 && PvClock.Now < deadline)
            {
                TakeResponses(d);
                if (d->InFlight > 0) BoundedWait.Until(&HasResponses, (ulong)d, 10_000_000, "blkfront shutdown");
            }
            d->Connected = false;
            long rc = XenbusFrontend.Close(&d->Front);
            if (rc < 0)
            {
                var text = new TextBuilder(stackalloc char[96]);
                text.Append($"# blkfront {d->Name}: closing: ");
                XenError.AppendResult(ref text, rc);
                XenConsole.WriteLine(text.Text);
            }
            EventChannels.Close(d->Port);
            GrantTable.EndAccess(d->RingRef, null, 0);
        }
    }
}
