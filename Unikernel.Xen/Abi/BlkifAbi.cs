using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // Block device requests and responses of xen/include/public/io/blkif.h (x86_64 layout).
    internal static class Blkif
    {
        public const byte OpRead = 0;               // BLKIF_OP_READ
        public const byte OpWrite = 1;              // BLKIF_OP_WRITE
        public const byte OpWriteBarrier = 2;       // BLKIF_OP_WRITE_BARRIER
        public const byte OpFlushDiskCache = 3;     // BLKIF_OP_FLUSH_DISKCACHE
        public const int MaxSegmentsPerRequest = 11; // BLKIF_MAX_SEGMENTS_PER_REQUEST
        public const short RspOkay = 0;             // BLKIF_RSP_OKAY
        public const short RspError = -1;           // BLKIF_RSP_ERROR
        public const short RspEopnotsupp = -2;      // BLKIF_RSP_EOPNOTSUPP
        public const uint SectorBytes = 512;        // blkif_sector_t and "sectors" count 512-byte units
        public const uint InfoCdrom = 1;            // VDISK_CDROM, "info"
        public const uint InfoRemovable = 2;        // VDISK_REMOVABLE
        public const uint InfoReadOnly = 4;         // VDISK_READONLY
        public const string Protocol = "x86_64-abi"; // XEN_IO_PROTO_ABI_X86_64, io/protocols.h
    }

    // struct blkif_request_segment
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct BlkifSegment
    {
        [FieldOffset(0)] public uint Gref;          // gref
        [FieldOffset(4)] public byte FirstSect;     // first_sect: 512-byte sector within the page
        [FieldOffset(5)] public byte LastSect;      // last_sect (inclusive)
    }

    // struct blkif_request
    [StructLayout(LayoutKind.Explicit, Size = 112)]
    internal unsafe struct BlkifRequest
    {
        [FieldOffset(0)] public byte Operation;     // operation: BLKIF_OP_*
        [FieldOffset(1)] public byte NrSegments;    // nr_segments
        [FieldOffset(2)] public ushort Handle;      // handle: blkif_vdev_t
        [FieldOffset(8)] public ulong Id;           // id: echoed in the response
        [FieldOffset(16)] public ulong SectorNumber; // sector_number: 512-byte units
        [FieldOffset(24)] public fixed ulong Segments[Blkif.MaxSegmentsPerRequest]; // seg[]: BlkifSegment
    }

    // struct blkif_response
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct BlkifResponse
    {
        [FieldOffset(0)] public ulong Id;           // id
        [FieldOffset(8)] public byte Operation;     // operation
        [FieldOffset(10)] public short Status;      // status: BLKIF_RSP_*
    }
}
