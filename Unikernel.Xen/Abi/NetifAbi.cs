using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // Network requests and responses of xen/include/public/io/netif.h.
    internal static class Netif
    {
        public const ushort TxCsumBlank = 1 << 0;      // NETTXF_csum_blank
        public const ushort TxDataValidated = 1 << 1;  // NETTXF_data_validated
        public const ushort TxMoreData = 1 << 2;       // NETTXF_more_data
        public const ushort TxExtraInfo = 1 << 3;      // NETTXF_extra_info
        public const ushort RxDataValidated = 1 << 0;  // NETRXF_data_validated
        public const ushort RxCsumBlank = 1 << 1;      // NETRXF_csum_blank
        public const ushort RxMoreData = 1 << 2;       // NETRXF_more_data
        public const ushort RxExtraInfo = 1 << 3;      // NETRXF_extra_info
        public const ushort RxGsoPrefix = 1 << 4;      // NETRXF_gso_prefix
        public const short RspDropped = -2;            // NETIF_RSP_DROPPED
        public const short RspError = -1;              // NETIF_RSP_ERROR
        public const short RspOkay = 0;                // NETIF_RSP_OKAY
        public const short RspNull = 1;                // NETIF_RSP_NULL: the slot of an extra_info
        public const byte ExtraTypeGso = 1;            // XEN_NETIF_EXTRA_TYPE_GSO
        public const byte GsoTypeTcpv4 = 1;            // XEN_NETIF_GSO_TYPE_TCPV4
        public const byte ExtraFlagMore = 1 << 0;      // XEN_NETIF_EXTRA_FLAG_MORE: another extra_info follows
    }

    // struct netif_extra_info: a ring slot after a first request or response with NETTXF/NETRXF_extra_info
    // (GSO: the packet is a TCP segment larger than the MTU, to be cut at u.gso.size; received, we take it whole).
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct NetifExtraInfo
    {
        [FieldOffset(0)] public byte Type;      // type: XEN_NETIF_EXTRA_TYPE_*
        [FieldOffset(1)] public byte Flags;     // flags: XEN_NETIF_EXTRA_FLAG_*
        [FieldOffset(2)] public ushort GsoSize; // u.gso.size: the MSS
        [FieldOffset(4)] public byte GsoType;   // u.gso.type: XEN_NETIF_GSO_TYPE_*
    }

    // struct netif_tx_request
    [StructLayout(LayoutKind.Explicit, Size = 12)]
    internal struct NetifTxRequest
    {
        [FieldOffset(0)] public uint Gref;      // gref: the page holding the packet
        [FieldOffset(4)] public ushort Offset;  // offset within the page
        [FieldOffset(6)] public ushort Flags;   // flags: NETTXF_*
        [FieldOffset(8)] public ushort Id;      // id: echoed in the response
        [FieldOffset(10)] public ushort Size;   // size: the packet's bytes (first slot: the whole packet)
    }

    // struct netif_tx_response
    [StructLayout(LayoutKind.Explicit, Size = 4)]
    internal struct NetifTxResponse
    {
        [FieldOffset(0)] public ushort Id;      // id
        [FieldOffset(2)] public short Status;   // status: NETIF_RSP_*
    }

    // struct netif_rx_request
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct NetifRxRequest
    {
        [FieldOffset(0)] public ushort Id;      // id: echoed in the response
        [FieldOffset(4)] public uint Gref;      // gref: the page the backend copies the packet into
    }

    // struct netif_rx_response
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct NetifRxResponse
    {
        [FieldOffset(0)] public ushort Id;      // id
        [FieldOffset(2)] public ushort Offset;  // offset: where the data starts in the page
        [FieldOffset(4)] public ushort Flags;   // flags: NETRXF_*
        [FieldOffset(6)] public short Status;   // status: the data's length, or NETIF_RSP_* when negative
    }
}
