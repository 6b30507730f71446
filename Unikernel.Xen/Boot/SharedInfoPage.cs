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

        [RuntimeImport("uk_shared_info_page")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* ReservedPage();
    }
}
