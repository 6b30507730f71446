using System.Runtime.InteropServices;

namespace Unikernel.Xen.Abi
{
    // struct vcpu_time_info, xen/include/public/xen.h.
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct VcpuTimeInfo
    {
        [FieldOffset(0)] public uint Version;            // version: odd while Xen updates the record
        [FieldOffset(8)] public ulong TscTimestamp;      // tsc_timestamp
        [FieldOffset(16)] public ulong SystemTime;       // system_time, ns
        [FieldOffset(24)] public uint TscToSystemMul;    // tsc_to_system_mul
        [FieldOffset(28)] public sbyte TscShift;         // tsc_shift
        [FieldOffset(29)] public byte Flags;             // flags
    }

    // struct vcpu_info, xen/include/public/xen.h (with arch-x86/xen-x86_64.h's arch_vcpu_info).
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct VcpuInfo
    {
        [FieldOffset(0)] public byte EvtchnUpcallPending;   // evtchn_upcall_pending
        [FieldOffset(1)] public byte EvtchnUpcallMask;      // evtchn_upcall_mask
        [FieldOffset(8)] public ulong EvtchnPendingSel;     // evtchn_pending_sel
        [FieldOffset(16)] public ulong Cr2;                 // arch.cr2
        [FieldOffset(32)] public VcpuTimeInfo Time;         // time
    }

    // struct shared_info, xen/include/public/xen.h (XEN_LEGACY_MAX_VCPUS = 32 on x86).
    [StructLayout(LayoutKind.Explicit, Size = 3136)]
    internal unsafe struct SharedInfo
    {
        public const int LegacyMaxVcpus = 32;
        [FieldOffset(0)] public VcpuInfo Vcpu0;                   // vcpu_info[0]
        [FieldOffset(2048)] public fixed ulong EvtchnPending[64]; // evtchn_pending
        [FieldOffset(2560)] public fixed ulong EvtchnMask[64];    // evtchn_mask
        [FieldOffset(3072)] public uint WcVersion;                // wc_version
        [FieldOffset(3076)] public uint WcSec;                    // wc_sec
        [FieldOffset(3080)] public uint WcNsec;                   // wc_nsec
        [FieldOffset(3084)] public uint WcSecHi;                  // wc_sec_hi (x86_64)
        [FieldOffset(3088)] public ulong MaxPfn;                  // arch.max_pfn
        [FieldOffset(3096)] public ulong PfnToMfnFrameListList;   // arch.pfn_to_mfn_frame_list_list
        [FieldOffset(3104)] public ulong NmiReason;               // arch.nmi_reason
        [FieldOffset(3112)] public ulong P2mCr3;                  // arch.p2m_cr3
        [FieldOffset(3120)] public ulong P2mVaddr;                // arch.p2m_vaddr
        [FieldOffset(3128)] public ulong P2mGeneration;           // arch.p2m_generation
    }

    // struct xencons_interface, xen/include/public/io/console.h.
    [StructLayout(LayoutKind.Explicit, Size = 3088)]
    internal unsafe struct ConsoleInterface
    {
        public const uint InSize = 1024, OutSize = 2048;
        [FieldOffset(0)] public fixed byte In[1024];    // in
        [FieldOffset(1024)] public fixed byte Out[2048]; // out
        [FieldOffset(3072)] public volatile uint InCons;  // in_cons
        [FieldOffset(3076)] public volatile uint InProd;  // in_prod
        [FieldOffset(3080)] public volatile uint OutCons; // out_cons
        [FieldOffset(3084)] public volatile uint OutProd; // out_prod
    }
}
