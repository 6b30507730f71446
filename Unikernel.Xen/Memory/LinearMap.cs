using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core.Memory;
using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Maps RAM at virtual address = pseudo-physical address, the layout of Xen's start-of-day mapping, which
    // covers the image, Xen's pieces and the slack up to a 4 MiB boundary. The rest is mapped a 2 MiB block at
    // a time: memory setup's reserve at boot, a block of balloon space when a page of it is first populated
    // (its table waits in the reserve), every other block the first time the frame allocator hands out a page
    // in it, so boot does not grow with memory (as Linux defers struct-page initialisation). A lazily mapped
    // block holds its own leaf table: its first backed pfn
    // (the donor, never given to the allocator), mapped read-only by the table it becomes. Upper-level tables
    // are counted at boot, their pages set aside, and made with the first block under them. A new table is filled through a scratch mapping (or, if it is mapped already, made
    // read-only first), because Xen refuses tables that are writable anywhere; the scratch window leaves it in
    // the same multicall that links it.
    internal static unsafe class LinearMap
    {
        public const ulong BlockPages = PageTableEntry.EntriesPerTable;
        private static ulong s_firstFree;
        private static ulong s_dataFlags, s_readOnlyFlags;
        private static ulong s_l2Flags, s_l3Flags, s_l4Flags;
        private static bool s_noExecute;
        private static ulong s_lazyStart, s_lazyEnd;
        // Pfn ranges remapped in the p2m whose M2P updates wait for their blocks to be mapped.
        private const int MaxDeferredRemaps = 16;
        private struct RemapRanges { public fixed ulong Bounds[MaxDeferredRemaps * 2]; } // { start, end }[]
        private static RemapRanges s_remaps;
        private static int s_remapCount;
        // Blocks of balloon space whose leaf tables wait in reserve pages until a page of theirs is populated.
        private const int MaxBalloonRanges = ExtraMemory.DefaultCapacity;
        private struct BalloonRanges { public fixed ulong Values[MaxBalloonRanges * 3]; } // { first block pfn, end, first table pfn }[]
        private static BalloonRanges s_balloon;
        private static int s_balloonCount;

        public static ulong DataFlags => s_dataFlags;

        // First pfn past Xen's start-of-day mapping: it ends on a 4 MiB boundary after the bootstrap stack
        // (which follows the initial page tables).
        internal static ulong InitialMappingEndPfn(StartInfo* startInfo)
        {
            if (s_firstFree != 0) return s_firstFree;
            const ulong FourMiB = 4UL << 20;
            ulong end = (startInfo->PtBase + (startInfo->NrPtFrames + 1) * AddressTranslation.PageSize + FourMiB - 1) & ~(FourMiB - 1);
            while (IsMapped(end)) end += FourMiB;
            if (!IsMapped(end - AddressTranslation.PageSize)) Panic.Fail("memory setup: Xen's start-of-day mapping does not end where expected");
            s_firstFree = end >> XenConstants.PageShift;
            return s_firstFree;
        }

        // Xen's bootstrap stack: the page after its initial page tables (we left it at entry).
        internal static ulong BootstrapStackPfn(StartInfo* startInfo) => (startInfo->PtBase >> XenConstants.PageShift) + startInfo->NrPtFrames;

        private static bool IsMapped(ulong virtualAddress)
        {
            ulong* entry = PageTableWalk.FindPte(virtualAddress);
            return entry != null && PageTableEntry.IsPresent(*entry);
        }

        // Removes start-of-day mappings of pfns that became identity (the 640K-1M hole, for instance), as one
        // lazy MMU section: the updates go out coalesced.
        internal static void UnmapInitial(ulong startPfn, ulong count)
        {
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ops.EnterLazyMmu();
            for (ulong pfn = startPfn; pfn < startPfn + count && pfn < s_firstFree; pfn++)
            {
                ulong* entry = PageTableWalk.FindPte(pfn << XenConstants.PageShift);
                if (entry != null && PageTableEntry.IsPresent(*entry)) ops.SetPte(entry, 0);
            }
            ops.LeaveLazyMmu();
        }

        // Removes the mapping of one page so any access to it faults (page 0, the stack guard page).
        internal static void Unmap(ulong virtualAddress, string what) =>
            Panic.Check(Hypercall.UpdateVaMapping(virtualAddress, 0, XenConstants.UvmfInvlpg), what);

        // Backed pfns below endPfn that are mapped: a leaf table at a time, not a walk per page.
        internal static ulong CountMappedBelow(ulong endPfn)
        {
            ulong n = 0;
            for (ulong block = 0; block < endPfn; block += BlockPages)
            {
                ulong* l2Entry = L2Entry(block << XenConstants.PageShift);
                if (l2Entry == null || !PageTableEntry.IsPresent(*l2Entry)) continue;
                ulong* leaf = TableOf(PageTableEntry.Frame(*l2Entry));
                ulong end = block + BlockPages < endPfn ? block + BlockPages : endPfn;
                for (ulong pfn = block; pfn < end; pfn++)
                    if (PageTableEntry.IsPresent(leaf[pfn - block]) && P2m.IsBacked(P2m.MachineFrame(pfn))) n++;
            }
            return n;
        }

        // Upper-level tables (L3, L2) that mapping [startPfn, endPfn) needs and Xen's tables lack (made on
        // first use: EnsureL2Entry).
        internal static ulong UpperTables(ulong startPfn, ulong endPfn)
        {
            ulong count = 0;
            ulong* root = Root();
            ulong gib = PageTableEntry.Span(3);
            ulong start = (startPfn << XenConstants.PageShift) & ~(gib - 1), end = endPfn << XenConstants.PageShift;
            bool l3New = false;
            for (ulong va = start; va < end; va += gib)
            {
                ulong* l4Entry = &root[PageTableEntry.Index(va, 4)];
                if (va == start || PageTableEntry.Index(va, 3) == 0)
                {
                    l3New = !PageTableEntry.IsPresent(*l4Entry);
                    if (l3New) count++;
                }
                // A new L3 has nothing under it yet.
                if (l3New || !PageTableEntry.IsPresent(TableOf(PageTableEntry.Frame(*l4Entry))[PageTableEntry.Index(va, 3)])) count++;
            }
            return count;
        }

        // Upper tables are made when a block under them is first mapped (each Xen validates, a few ms under
        // TCG), in count pages set aside from firstTablePfn on (UpperTables counted them).
        private static ulong s_upperNext, s_upperEnd;

        internal static void ReserveUpperTables(ulong firstTablePfn, ulong count)
        {
            s_upperNext = firstTablePfn;
            s_upperEnd = firstTablePfn + count;
        }

        // The level-2 entry of va, making the L3 and L2 tables above it that are missing.
        private static ulong* EnsureL2Entry(ulong va)
        {
            ulong* table = Root();
            for (int level = 4; level > 2; level--)
            {
                ulong* entry = table + PageTableEntry.Index(va, level);
                if (!PageTableEntry.IsPresent(*entry))
                    LinkNow(AddressTranslation.VirtualToMachine((ulong)entry), PageTableEntry.Make(NewMappedTable(NextUpperTable()), level == 4 ? s_l4Flags : s_l3Flags));
                table = TableOf(PageTableEntry.Frame(*entry));
            }
            return table + PageTableEntry.Index(va, 2);
        }

        private static ulong NextUpperTable()
        {
            if (s_upperNext >= s_upperEnd) Panic.Fail("memory: a block to map needs more upper page tables than memory setup set aside");
            return s_upperNext++;
        }

        // Maps the backed pfns of the 2 MiB block at firstPfn with a leaf table in the page at tablePfn, which
        // is either mapped already (tableMapped: a reserve page) or a pfn of this block (the donor).
        internal static void MapBlock(ulong firstPfn, ulong tablePfn, bool tableMapped)
        {
            ulong va = firstPfn << XenConstants.PageShift;
            ulong* l2Entry = L2Entry(va);
            if (l2Entry == null) l2Entry = EnsureL2Entry(va);
            if (PageTableEntry.IsPresent(*l2Entry)) return;
            ulong tableMfn = P2m.MachineFrame(tablePfn);
            if (!P2m.IsBacked(tableMfn)) Panic.Fail("memory setup: a page-table page is not backed RAM");
            UpdateDeferredRemaps(firstPfn, firstPfn + BlockPages);
            ulong* page = tableMapped ? NewMappedTablePage(tablePfn) : PointScratchAt(tableMfn);
            for (int i = 0; i < PageTableEntry.EntriesPerTable; i++)
            {
                ulong pfn = firstPfn + (ulong)i, mfn = P2m.MachineFrame(pfn);
                page[i] = P2m.IsBacked(mfn) ? PageTableEntry.Make(mfn, pfn == tablePfn ? s_readOnlyFlags : s_dataFlags) : 0;
            }
            LinkNow(AddressTranslation.VirtualToMachine((ulong)l2Entry), PageTableEntry.Make(tableMfn, s_l2Flags));
        }

        // Records a remapped range whose frames get their M2P entries when their blocks are mapped; false
        // when the table is full (the caller updates them now).
        internal static bool DeferRemap(ulong startPfn, ulong count)
        {
            if (s_remapCount == MaxDeferredRemaps) return false;
            s_remaps.Bounds[2 * s_remapCount] = startPfn;
            s_remaps.Bounds[2 * s_remapCount + 1] = startPfn + count;
            s_remapCount++;
            return true;
        }

        // The M2P entries of the remapped frames in [firstPfn, end), before anything maps them there.
        private static void UpdateDeferredRemaps(ulong firstPfn, ulong end)
        {
            if (s_remapCount == 0) return;
            Multicalls.EnterBulk();
            for (int i = 0; i < s_remapCount; i++)
            {
                ulong from = s_remaps.Bounds[2 * i] > firstPfn ? s_remaps.Bounds[2 * i] : firstPfn;
                ulong to = s_remaps.Bounds[2 * i + 1] < end ? s_remaps.Bounds[2 * i + 1] : end;
                for (ulong pfn = from; pfn < to; pfn++) Multicalls.QueueMachineToPhysical(P2m.MachineFrame(pfn), pfn);
            }
            Multicalls.LeaveBulk();
        }

        // Blocks [firstPfn, endPfn) of balloon space get their leaf tables in the pages from tablePfn on, one a
        // block in order, when first populated (EnsureBalloonTable).
        internal static void AddBalloonBlocks(ulong firstPfn, ulong endPfn, ulong tablePfn)
        {
            if (s_balloonCount == MaxBalloonRanges) Panic.Fail("memory setup: more ranges of balloon space than expected");
            int at = 3 * s_balloonCount++;
            s_balloon.Values[at] = firstPfn;
            s_balloon.Values[at + 1] = endPfn;
            s_balloon.Values[at + 2] = tablePfn;
        }

        // Makes the leaf table of pfn's block of balloon space if it has none yet (called before pfn is backed;
        // its entry is written after).
        internal static void EnsureBalloonTable(ulong pfn)
        {
            ulong block = pfn & ~(BlockPages - 1);
            if (IsBlockMapped(block)) return;
            for (int i = 0; i < s_balloonCount; i++)
            {
                ulong first = s_balloon.Values[3 * i], end = s_balloon.Values[3 * i + 1], table = s_balloon.Values[3 * i + 2];
                if (block < first || block >= end) continue;
                MapBlock(block, table + (block - first) / BlockPages, tableMapped: true);
                return;
            }
            Panic.Fail("frames: balloon space without a page table");
        }

        // Blocks from startPfn to endPfn are mapped on first use (FramePool asks through EnsureMapped).
        internal static void DeferFrom(ulong startPfn, ulong endPfn)
        {
            s_lazyStart = startPfn;
            s_lazyEnd = endPfn;
        }

        internal static bool IsLazy(ulong pfn) => pfn >= s_lazyStart && pfn < s_lazyEnd;
        internal static ulong LazyStart => s_lazyStart;

        internal static bool IsBlockMapped(ulong blockFirstPfn)
        {
            ulong* l2Entry = L2Entry(blockFirstPfn << XenConstants.PageShift);
            return l2Entry != null && PageTableEntry.IsPresent(*l2Entry);
        }

        // The leaf table of a lazily mapped block: its first backed pfn (ulong.MaxValue if it has none).
        internal static ulong DonorOf(ulong blockFirstPfn)
        {
            for (ulong pfn = blockFirstPfn; pfn < blockFirstPfn + BlockPages; pfn++)
                if (P2m.IsBacked(P2m.MachineFrame(pfn))) return pfn;
            return ulong.MaxValue;
        }

        // Maps the lazily mapped blocks under [pfn, pfn + count) that are not mapped yet.
        internal static void EnsureMapped(ulong pfn, ulong count)
        {
            ulong last = pfn + count - 1;
            for (ulong block = pfn & ~(BlockPages - 1); block <= last; block += BlockPages)
            {
                if (!IsLazy(block) || IsBlockMapped(block)) continue;
                ulong donor = DonorOf(block);
                if (donor == ulong.MaxValue) Panic.Fail("memory: a page to map lies in a block without RAM");
                MapBlock(block, donor, tableMapped: false);
            }
        }

        private static ulong* Root() => (ulong*)AddressTranslation.MachineFrameToVirtual(Paravirt.Ops.ReadCr3() >> XenConstants.PageShift);

        // The level-2 entry that maps the 2 MiB block of va, or null if a level above is missing.
        private static ulong* L2Entry(ulong va)
        {
            ulong l4 = Root()[PageTableEntry.Index(va, 4)];
            if (!PageTableEntry.IsPresent(l4)) return null;
            ulong l3 = TableOf(PageTableEntry.Frame(l4))[PageTableEntry.Index(va, 3)];
            if (!PageTableEntry.IsPresent(l3)) return null;
            return TableOf(PageTableEntry.Frame(l3)) + PageTableEntry.Index(va, 2);
        }

        // Tables are mapped read-only in the linear map (Xen's in the start-of-day mapping, ours by the
        // reserve's or their own block's leaf table).
        private static ulong* TableOf(ulong mfn) => (ulong*)AddressTranslation.MachineFrameToVirtual(mfn);

        // An empty upper table in a mapped page: cleared, made read-only; returns its frame.
        private static ulong NewMappedTable(ulong pfn)
        {
            NewMappedTablePage(pfn); // LinkNow moves the scratch window off it with the link
            return P2m.MachineFrame(pfn);
        }

        // Clears a mapped page through its own mapping, then makes that mapping read-only; the caller fills
        // it through the scratch window.
        private static ulong* NewMappedTablePage(ulong pfn)
        {
            ulong va = pfn << XenConstants.PageShift, mfn = P2m.MachineFrame(pfn);
            var page = (ulong*)va;
            for (int i = 0; i < PageTableEntry.EntriesPerTable; i++) page[i] = 0;
            Multicalls.EnterLazy();
            Multicalls.QueueUpdateVaMapping(va, PageTableEntry.Make(mfn, s_readOnlyFlags), XenConstants.UvmfInvlpg);
            ulong* scratch = PointScratchAt(mfn);
            LeaveLazyNow();
            return scratch;
        }

        // An upper-level link must be in place before the walk goes on below it: it goes out in the same
        // multicall as the move of the scratch window off the new table.
        private static void LinkNow(ulong entryMachineAddress, ulong value)
        {
            Multicalls.EnterLazy();
            ReleaseScratch();
            Multicalls.QueuePageTableEntry(entryMachineAddress, value);
            LeaveLazyNow();
        }

        // Leaves a lazy section and issues what is queued even inside a caller's own section (a page handed
        // out there is touched at once).
        private static void LeaveLazyNow()
        {
            Multicalls.LeaveLazy();
            if (Multicalls.IsLazy) Multicalls.Flush();
        }

        private static ulong* PointScratchAt(ulong mfn)
        {
            ulong scratch = (ulong)ScratchPage();
            Multicalls.EnterLazy();
            Multicalls.QueueUpdateVaMapping(scratch, PageTableEntry.Make(mfn, s_dataFlags), XenConstants.UvmfInvlpg);
            LeaveLazyNow();
            return (ulong*)scratch;
        }

        private static void ReleaseScratch()
        {
            ulong scratch = (ulong)ScratchPage();
            PointScratchAt(P2m.MachineFrame(scratch >> XenConstants.PageShift));
        }

        // Entry flags as Xen set them in its own tables (kernel mappings of a PV guest carry _PAGE_USER, for
        // instance), with no-execute added for data where the CPU has it.
        internal static void LearnFlags()
        {
            ulong va = (ulong)ScratchPage();
            ulong* root = (ulong*)AddressTranslation.MachineFrameToVirtual(Paravirt.Ops.ReadCr3() >> XenConstants.PageShift);
            ulong l4 = root[PageTableEntry.Index(va, 4)];
            ulong l3 = TableOf(PageTableEntry.Frame(l4))[PageTableEntry.Index(va, 3)];
            ulong l2 = TableOf(PageTableEntry.Frame(l3))[PageTableEntry.Index(va, 2)];
            s_l4Flags = PageTableEntry.Flags(l4);
            s_l3Flags = PageTableEntry.Flags(l3);
            s_l2Flags = PageTableEntry.Flags(l2);

            CpuidResult extended;
            Paravirt.Ops.Cpuid(0x80000001, 0, &extended);
            s_noExecute = (extended.Edx & (1u << 20)) != 0; // CPUID.80000001H:EDX.NX
            ulong leaf = PageTableEntry.Flags(*PageTableWalk.FindPte(va)) & ~PageTableEntry.NoExecute;
            s_dataFlags = leaf | PageTableEntry.Present | PageTableEntry.Writable | PageTableEntry.Accessed | PageTableEntry.Dirty
                | (s_noExecute ? PageTableEntry.NoExecute : 0);
            s_readOnlyFlags = s_dataFlags & ~(PageTableEntry.Writable | PageTableEntry.Dirty);
        }

        // W^X over Xen's whole start-of-day mapping, which it made writable and executable: text read-execute,
        // read-only data and the pages of string literals (ukboot literals) read-only, data no-execute, and everything else there (the low 1 MiB, start_info,
        // the p2m list, the console and xenstore rings, the bootstrap stack) no-execute with its write
        // permission kept (by the level-2 entry where a 2 MiB block holds none of the image). Memory mapped
        // later is no-execute from the start (DataFlags).
        internal static void ProtectImage()
        {
            ulong text = (ulong)ImageStart(), rodata = (ulong)RodataStart(), data = (ulong)DataStart(), image = (ulong)ImageEnd();
            ulong end = s_firstFree << XenConstants.PageShift;
            if (end < image) Panic.Fail("memory setup: the image ends beyond Xen's start-of-day mapping");
            ulong nx = s_noExecute ? PageTableEntry.NoExecute : 0;
            ulong* literals = ReadOnlyLiterals(); // { start, end } of the .data pages holding only string literals
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            const ulong BlockBytes = BlockPages * AddressTranslation.PageSize;
            ops.EnterLazyMmu();
            // A 2 MiB block with no page of the image gets no-execute in its level-2 entry, which covers every
            // page under it (the MMU ANDs permissions down the walk): one update, not 512.
            for (ulong block = 0; block < end; block += BlockBytes)
            {
                bool imageBlock = block < image && text < block + BlockBytes;
                ulong* l2Entry = L2Entry(block);
                if (!imageBlock && l2Entry != null && PageTableEntry.IsPresent(*l2Entry))
                {
                    if ((*l2Entry | nx) != *l2Entry) ops.SetPte(l2Entry, *l2Entry | nx);
                    continue;
                }
                ProtectPages(block == 0 ? AddressTranslation.PageSize : block, block + BlockBytes, text, rodata, data, image, literals, nx);
            }
            ops.LeaveLazyMmu();
            ops.FlushTlbAll();
        }

        // ProtectImage page by page over [start, end).
        private static void ProtectPages(ulong start, ulong end, ulong text, ulong rodata, ulong data, ulong image, ulong* literals, ulong nx)
        {
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            for (ulong va = start; va < end; va += AddressTranslation.PageSize)
            {
                ulong* entry = PageTableWalk.FindPte(va);
                if (entry == null || !PageTableEntry.IsPresent(*entry)) continue; // page 0, the stack guard, identity holes
                ulong value;
                if (va >= text && va < image)
                {
                    value = *entry & ~(PageTableEntry.Writable | PageTableEntry.NoExecute);
                    if (va >= literals[0] && va < literals[1]) value |= nx;
                    else if (va >= data) value |= PageTableEntry.Writable | nx;
                    else if (va >= rodata) value |= nx;
                }
                else value = *entry | nx;
                if (value != *entry) ops.SetPte(entry, value);
            }
        }

        [RuntimeImport("uk_scratch_page_address")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void* ScratchPage();
        [RuntimeImport("uk_image_start_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* ImageStart();
        [RuntimeImport("uk_rodata_start_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* RodataStart();
        [RuntimeImport("uk_data_start_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* DataStart();
        [RuntimeImport("uk_readonly_literals_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern ulong* ReadOnlyLiterals();
        [RuntimeImport("uk_image_end_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* ImageEnd();
    }
}
