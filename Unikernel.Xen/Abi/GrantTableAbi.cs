using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // GNTTABOP_* commands, their argument structs and the v1 entry, xen/include/public/grant_table.h.
    internal static class GrantTableOp
    {
        public const ulong SetupTable = 2;  // GNTTABOP_setup_table
        public const ulong QuerySize = 6;   // GNTTABOP_query_size
        public const short StatusOkay = 0;  // GNTST_okay
    }

    // grant_entry_v1_t: flags, then the domain allowed in, then the frame. 512 to a page.
    [StructLayout(LayoutKind.Sequential)]
    internal struct GrantEntryV1
    {
        public const ushort PermitAccess = 1;       // GTF_permit_access
        public const ushort ReadOnly = 1 << 2;      // GTF_readonly
        public const ushort Reading = 1 << 3;       // GTF_reading: the remote domain has it mapped for reading
        public const ushort Writing = 1 << 4;       // GTF_writing: ... for writing
        public const int PerPage = 4096 / 8;

        public ushort Flags;    // flags
        public ushort DomId;    // domid
        public uint Frame;      // frame
    }

    // struct gnttab_setup_table
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    internal struct GnttabSetupTable
    {
        [FieldOffset(0)] public ushort Dom;         // dom: DOMID_SELF
        [FieldOffset(4)] public uint NrFrames;      // nr_frames
        [FieldOffset(8)] public short Status;       // status (out): GNTST_*
        [FieldOffset(16)] public ulong FrameList;   // frame_list: XEN_GUEST_HANDLE(xen_pfn_t), machine frames (out) for PV
    }

    // struct gnttab_query_size
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct GnttabQuerySize
    {
        [FieldOffset(0)] public ushort Dom;         // dom: DOMID_SELF
        [FieldOffset(4)] public uint NrFrames;      // nr_frames (out)
        [FieldOffset(8)] public uint MaxNrFrames;   // max_nr_frames (out)
        [FieldOffset(12)] public short Status;      // status (out)
    }
}
