using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The shared_info page, mapped at boot over a page reserved in .bss (uk_shared_info_page): start_info
    // gives only its machine address.
    internal static unsafe class SharedInfoPage
    {
        // PTE bits (x86 page tables): present, writable, accessed, dirty.
        private const ulong PteFlags = 0x1 | 0x2 | 0x20 | 0x40;

        private static SharedInfo* s_page;

        public static SharedInfo* Page => s_page;

        internal static void Map(StartInfo* startInfo)
        {
            var page = (SharedInfo*)ReservedPage();
            Panic.Check(Hypercall.UpdateVaMapping((ulong)page, startInfo->SharedInfo | PteFlags, XenConstants.UvmfInvlpg),
                "update_va_mapping(shared_info)");
            s_page = page;
        }

        private static void* s_standIn;

        // Before a suspend the page must map none of Xen's frames (the save refuses page tables that do), yet
        // vcpu_info (event mask, time) is read through it until the hypercall: a copy of it in a page of our
        // own stands in (Linux points HYPERVISOR_shared_info at xen_dummy_shared_info). Events are masked.
        internal static void StandIn()
        {
            if (s_standIn == null && (s_standIn = FramePool.AllocatePage()) == null) Panic.Fail("suspend: no page to stand in for shared_info");
            for (int i = 0; i < 512; i++) ((ulong*)s_standIn)[i] = ((ulong*)s_page)[i];
            ulong machine = AddressTranslation.VirtualToMachine((ulong)s_standIn);
            Panic.Check(Hypercall.UpdateVaMapping((ulong)s_page, machine | PteFlags, XenConstants.UvmfInvlpg),
                "update_va_mapping(shared_info stand-in)");
        }

        [RuntimeImport("uk_shared_info_page")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* ReservedPage();
    }
}
