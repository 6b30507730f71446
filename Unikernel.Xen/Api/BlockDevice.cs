using System;
using Unikernel.Core.Text;
using Xen = Unikernel.Xen;

namespace Unikernel
{
    /// <summary>What a block request did.</summary>
    public enum BlockOperation
    {
        /// <summary>Sectors read from the disk.</summary>
        Read,
        /// <summary>Sectors written to the disk.</summary>
        Write,
        /// <summary>The backend's cache flushed to stable storage.</summary>
        Flush,
    }

    /// <summary>
    /// The outcome of a block request: <see cref="Ok"/>, or a negative errno with the operation and sector it
    /// concerned. <c>-EIO</c> (-5): the backend answered BLKIF_RSP_ERROR; <c>-EOPNOTSUPP</c> (-95): the backend
    /// answered BLKIF_RSP_EOPNOTSUPP, or offers no flush; <c>-EROFS</c> (-30): a write to a read-only disk;
    /// <c>-EINVAL</c> (-22): not whole sectors, past the end, or over <see cref="BlockDevice.MaxTransferBytes"/>;
    /// <c>-EBUSY</c> (-16): <see cref="BlockDevice.MaxInFlight"/> requests already in flight; <c>-ETIMEDOUT</c>
    /// (-110): the backend did not answer within 30 s; <c>-ENOSPC</c> (-28): no grant references left.
    /// </summary>
    public readonly struct BlockResult
    {
        /// <summary>0, or a negative errno (see above).</summary>
        public readonly long Error;
        /// <summary>The request this is the outcome of.</summary>
        public readonly BlockOperation Operation;
        /// <summary>The request's first sector (0 for a flush).</summary>
        public readonly ulong Sector;

        /// <summary>An outcome: <paramref name="error"/> 0 or a negative errno, for the operation at <paramref name="sector"/>.</summary>
        public BlockResult(long error, BlockOperation operation, ulong sector)
        {
            Error = error;
            Operation = operation;
            Sector = sector;
        }

        /// <summary>Whether the request succeeded (<see cref="Error"/> is 0).</summary>
        public bool Ok => Error == 0;

        /// <summary>Writes e.g. "write at sector 8 failed: -30 (EROFS: the disk is read-only)"; returns the length.</summary>
        public int Describe(Span<char> destination)
        {
            var text = new TextBuilder(destination);
            text.Append(Operation == BlockOperation.Read ? "read" : Operation == BlockOperation.Write ? "write" : "flush");
            if (Operation != BlockOperation.Flush)
            {
                text.Append(" at sector ");
                text.Append(Sector);
            }
            if (Ok) { text.Append(": ok"); return text.Length; }
            text.Append(" failed: ");
            text.Append(Error);
            text.Append(" (");
            text.Append(Xen.XenError.Name(Error));
            text.Append(": ");
            text.Append(Error switch
            {
                Xen.XenError.EIO => "the backend answered BLKIF_RSP_ERROR",
                Xen.XenError.EOPNOTSUPP => "not supported by the backend",
                Xen.XenError.EROFS => "the disk is read-only",
                Xen.XenError.EINVAL => "not whole sectors within the disk, or too long",
                Xen.XenError.EBUSY => "too many requests in flight",
                Xen.XenError.ETIMEDOUT => "the backend did not answer in time",
                Xen.XenError.ENOSPC => "no grant references left",
                Xen.XenError.ENODEV => "the device is not connected",
                _ => "error",
            });
            text.Append(')');
            return text.Length;
        }
    }

    /// <summary>
    /// A virtual disk given in the domain's xl config (<c>disk = ['format=raw, vdev=xvda, access=rw, target=...']</c>),
    /// served by a backend in another domain (Linux blkback in dom0) through Xen's blkif protocol. Sectors are
    /// <see cref="SectorSize"/> bytes; a request is whole sectors, at most <see cref="MaxTransferBytes"/>.
    /// <see cref="Read"/>, <see cref="Write"/> and <see cref="Flush"/> wait for their answer; the Submit
    /// methods with <see cref="Complete"/> and <see cref="WaitAny"/> keep up to <see cref="MaxInFlight"/>
    /// requests in flight. Waits run the idle loop (timers, watches, shutdown requests are served) and are
    /// bounded. Nothing is allocated per request. At shutdown the device is disconnected cleanly.
    /// </summary>
    public readonly unsafe struct BlockDevice
    {
        /// <summary>The most bytes one request moves (11 segments of a page: BLKIF_MAX_SEGMENTS_PER_REQUEST).</summary>
        public const int MaxTransferBytes = Xen.BlockFront.MaxTransferBytes;
        /// <summary>How many requests may be in flight at once (the shared ring's size).</summary>
        public const int MaxInFlight = Xen.BlockFront.Slots;

        private readonly Xen.BlockFront* _device;

        private BlockDevice(Xen.BlockFront* device) => _device = device;

        /// <summary>
        /// Connects the disk called <paramref name="name"/> (as the cfg's vdev: "xvda", "xvdb", ...); false when
        /// the domain has no such disk or it could not be connected (a "# blkfront" console line says why).
        /// </summary>
        public static bool TryOpen(ReadOnlySpan<char> name, out BlockDevice device)
        {
            Xen.BlockFront* d = Xen.BlockDevices.Find(name);
            device = new BlockDevice(d);
            return d != null;
        }

        /// <summary>The device's name in the domain's config, as <see cref="TryOpen"/> found it (say <c>xvda</c>).</summary>
        public ReadOnlySpan<char> Name => _device->Name;
        /// <summary>The device's logical sector size in bytes (512 or 4096).</summary>
        public uint SectorSize => _device->SectorSize;
        /// <summary>The device's size in sectors of <see cref="SectorSize"/>.</summary>
        public ulong SectorCount => _device->SectorCount;
        /// <summary>Whether the backend exports the disk read-only (writes then fail with -EROFS).</summary>
        public bool IsReadOnly => _device->ReadOnly;
        /// <summary>Whether the backend offers a flush (a cache flush or a write barrier); without one, <see cref="Flush"/> fails with -EOPNOTSUPP.</summary>
        public bool CanFlush => _device->FlushOperation != Xen.BlockFront.NoFlush;
        /// <summary>Requests sent to the backend, and how many of them needed an event to wake it.</summary>
        public ulong RequestCount => _device->Requests;
        /// <summary>How many of <see cref="RequestCount"/>'s requests needed an event to wake the backend.</summary>
        public ulong NotificationCount => _device->Notifications;

        /// <summary>Reads <paramref name="buffer"/>.Length bytes from <paramref name="sector"/> on, waiting for them.</summary>
        public BlockResult Read(ulong sector, Span<byte> buffer)
        {
            fixed (byte* p = buffer) return Wait(SubmitRead(sector, p, buffer.Length), BlockOperation.Read, sector);
        }

        /// <summary>Writes <paramref name="data"/> from <paramref name="sector"/> on, waiting until the backend has it (not necessarily on stable storage: <see cref="Flush"/>).</summary>
        public BlockResult Write(ulong sector, ReadOnlySpan<byte> data) => Wait(SubmitWrite(sector, data), BlockOperation.Write, sector);

        /// <summary>Waits until every write completed before it is on stable storage (BLKIF_OP_FLUSH_DISKCACHE, or BLKIF_OP_WRITE_BARRIER where that is what the backend offers).</summary>
        public BlockResult Flush() => Wait(SubmitFlush(), BlockOperation.Flush, 0);

        /// <summary>
        /// Starts a read into <paramref name="buffer"/>, which must stay valid until the request completes; returns
        /// a tag for <see cref="Complete"/> (>= 0) or a negative errno (see <see cref="BlockResult"/>).
        /// </summary>
        public long SubmitRead(ulong sector, void* buffer, int length) =>
            Xen.BlockFront.Submit(_device, Xen.Abi.Blkif.OpRead, sector, null, length, (byte*)buffer);

        /// <summary>Starts a write; the data is copied at once. A tag or a negative errno.</summary>
        public long SubmitWrite(ulong sector, ReadOnlySpan<byte> data)
        {
            fixed (byte* p = data) return Xen.BlockFront.Submit(_device, Xen.Abi.Blkif.OpWrite, sector, p, data.Length, null);
        }

        /// <summary>Starts a flush. A tag or a negative errno.</summary>
        public long SubmitFlush() => Xen.BlockFront.Submit(_device, _device->FlushOperation, 0, null, 0, null);

        /// <summary>Waits for the request <paramref name="tag"/> and returns its outcome; the tag is then free. A tag not in flight is -EINVAL at once.</summary>
        public BlockResult Complete(long tag)
        {
            if (tag < 0 || tag >= MaxInFlight) return new BlockResult(Xen.XenError.EINVAL, BlockOperation.Read, 0);
            Xen.BlockFront.Slot* slot = _device->SlotAt((int)tag);
            BlockOperation operation = slot->Operation == Xen.Abi.Blkif.OpRead ? BlockOperation.Read
                : slot->Operation == Xen.Abi.Blkif.OpWrite ? BlockOperation.Write : BlockOperation.Flush;
            long status = Xen.BlockFront.Wait(_device, (int)tag);
            var result = new BlockResult(status, operation, slot->Sector);
            if (status != Xen.XenError.ETIMEDOUT) Xen.BlockFront.Release(_device, (int)tag);
            return result;
        }

        /// <summary>Waits until some request completed and returns its tag (then <see cref="Complete"/> it); -ENOENT with none in flight, -ETIMEDOUT.</summary>
        public long WaitAny() => Xen.BlockFront.WaitAny(_device);

        private BlockResult Wait(long tag, BlockOperation operation, ulong sector) =>
            tag < 0 ? new BlockResult(tag, operation, sector) : Complete(tag);
    }
}
