using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // struct start_info, xen/include/public/xen.h (x86_64 layout).
    [StructLayout(LayoutKind.Explicit, Size = 1168)]
    internal unsafe struct StartInfo
    {
        public const int MagicLength = 32;
        public const int MaxGuestCmdline = 1024;    // MAX_GUEST_CMDLINE
        public const uint SifPrivileged = 1 << 0;   // SIF_PRIVILEGED
        public const uint SifInitDomain = 1 << 1;   // SIF_INITDOMAIN: this is dom0

        [FieldOffset(0)] public fixed byte Magic[MagicLength];   // "xen-<version>-<platform>"
        [FieldOffset(32)] public ulong NrPages;                  // nr_pages
        [FieldOffset(40)] public ulong SharedInfo;               // shared_info: machine address
        [FieldOffset(48)] public uint Flags;                     // flags: SIF_*
        [FieldOffset(56)] public ulong StoreMfn;                 // store_mfn
        [FieldOffset(64)] public uint StoreEvtchn;               // store_evtchn
        [FieldOffset(72)] public ulong ConsoleMfn;               // console.domU.mfn
        [FieldOffset(80)] public uint ConsoleEvtchn;             // console.domU.evtchn
        [FieldOffset(72)] public uint ConsoleInfoOffset;         // console.dom0.info_off
        [FieldOffset(76)] public uint ConsoleInfoSize;           // console.dom0.info_size
        [FieldOffset(88)] public ulong PtBase;                   // pt_base: virtual address of the top page table
        [FieldOffset(96)] public ulong NrPtFrames;               // nr_pt_frames
        [FieldOffset(104)] public ulong MfnList;                 // mfn_list: virtual address of the p2m list
        [FieldOffset(112)] public ulong ModStart;                // mod_start
        [FieldOffset(120)] public ulong ModLen;                  // mod_len
        [FieldOffset(128)] public fixed byte CmdLine[MaxGuestCmdline]; // cmd_line
        [FieldOffset(1152)] public ulong FirstP2mPfn;            // first_p2m_pfn
        [FieldOffset(1160)] public ulong NrP2mFrames;            // nr_p2m_frames

        public bool IsInitialDomain => (Flags & SifInitDomain) != 0;
    }
}
