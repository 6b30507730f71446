using System.Runtime.InteropServices;

namespace Unikernel.Core.Batching
{
    // One queued call, laid out exactly like Xen's struct multicall_entry (xen/include/public/xen.h:
    // op, result, args[6], each 64-bit on x86_64), so a platform can hand the slot array to the
    // multicall hypercall as it is. The core treats Op as opaque: it only compares it when coalescing.
    [StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
    public unsafe struct BatchEntry
    {
        public const int ArgumentCount = 6; // args[6], struct multicall_entry
        public const int SizeInBytes = 64;  // sizeof(struct multicall_entry) on x86_64
        public const int SizeInWords = SizeInBytes / 8;

        [FieldOffset(0)] public ulong Op;                          // op
        [FieldOffset(8)] public long Result;                       // result: written by the issuer, < 0 is an error
        [FieldOffset(16)] public fixed ulong Args[ArgumentCount];  // args
    }
}
