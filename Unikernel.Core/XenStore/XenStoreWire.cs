using System.Runtime.InteropServices;

namespace Unikernel.Core.XenStore
{
    // struct xenstore_domain_interface, xen/include/public/io/xs_wire.h.
    [StructLayout(LayoutKind.Explicit, Size = 2072)]
    public unsafe struct XenStoreInterface
    {
        public const uint RingSize = 1024;                  // XENSTORE_RING_SIZE
        [FieldOffset(0)] public fixed byte Req[1024];       // req: guest -> xenstored
        [FieldOffset(1024)] public fixed byte Rsp[1024];    // rsp: xenstored -> guest
        [FieldOffset(2048)] public uint ReqCons;            // req_cons
        [FieldOffset(2052)] public uint ReqProd;            // req_prod
        [FieldOffset(2056)] public uint RspCons;            // rsp_cons
        [FieldOffset(2060)] public uint RspProd;            // rsp_prod
        [FieldOffset(2064)] public uint ServerFeatures;     // server_features
        [FieldOffset(2068)] public uint Connection;         // connection
    }

    // struct xsd_sockmsg, io/xs_wire.h: every message starts with it.
    [StructLayout(LayoutKind.Sequential)]
    public struct XenStoreHeader
    {
        public const uint PayloadMax = 4096;    // XENSTORE_PAYLOAD_MAX
        public uint Type;                       // type: XS_*
        public uint RequestId;                  // req_id: echoed in the reply
        public uint TransactionId;              // tx_id
        public uint Length;                     // len: payload bytes that follow
    }

    // enum xsd_sockmsg_type, io/xs_wire.h.
    public static class XenStoreMessage
    {
        public const uint Directory = 1;        // XS_DIRECTORY
        public const uint Read = 2;             // XS_READ
        public const uint Watch = 4;            // XS_WATCH
        public const uint Unwatch = 5;          // XS_UNWATCH
        public const uint TransactionStart = 6; // XS_TRANSACTION_START
        public const uint TransactionEnd = 7;   // XS_TRANSACTION_END
        public const uint GetDomainPath = 10;   // XS_GET_DOMAIN_PATH
        public const uint Write = 11;           // XS_WRITE
        public const uint Mkdir = 12;           // XS_MKDIR
        public const uint Rm = 13;              // XS_RM
        public const uint WatchEvent = 15;      // XS_WATCH_EVENT
        public const uint Error = 16;           // XS_ERROR
    }
}
