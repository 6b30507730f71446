using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core.Memory;
using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Maps every RAM page at virtual address = pseudo-physical address, the layout Xen's start-of-day
    // mapping already uses for its first megabytes. As Linux's xen_pagetable_init does, Xen's tables are the
    // template: entries are only added where none exist. It is built in two steps around the full p2m: first
    // the pages that will hold it (read from Xen's start-of-day list), then everything else (read from the
    // full p2m). New page-table pages come from a run of free frames at the first 2 MiB block after the
    // pages of the first step; each is filled through a scratch mapping, which is gone
    // before Xen sees the page as a table (Xen refuses tables that are writable anywhere), and every page of
    // that run is mapped read-only. Links go out as mmu_updates through Multicalls, each leaf's link in one
    // multicall with the move of the scratch window off it.
    internal static unsafe class LinearMap
    {
        private static ulong s_firstFree, s_tableBase, s_tableCount, s_tablesUsed;
        private static ulong s_dataFlags, s_readOnlyFlags;
        private static ulong s_l2Flags, s_l3Flags, s_l4Flags;
        private static bool s_noExecute;
        // The link of the leaf table last filled through the scratch window, held until the window leaves it.
        private static ulong s_heldLinkAddress, s_heldLinkValue;
        private static bool s_linkHeld;
        private static WalkPosition s_position;

        // Where the walk is: the 512 GiB and 1 GiB regions it is in and their tables (new: made by us, so
        // not mapped yet and not to be read). Step two goes on from where step one stopped.
        private struct WalkPosition
        {
            public ulong L3Region, L2Region, L3Mfn, L2Mfn;
            public bool L3New, L2New;
        }

        public static ulong DataFlags => s_dataFlags;
        public static ulong TablePages => s_tableCount;
        public static ulong TablesUsed => s_tablesUsed;

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

        internal static ulong CountMappedBelow(ulong endPfn)
        {
            ulong n = 0;
            for (ulong pfn = 0; pfn < endPfn; pfn++)
                if (P2m.IsBacked(P2m.MachineFrame(pfn)) && IsMapped(pfn << XenConstants.PageShift)) n++;
            return n;
        }

        // Step one: maps [firstFree, tableBase) (both 2 MiB-aligned), where the full p2m will go. New tables
        // start at tableBase, so none of the pages mapped here is one and no count is needed first. Returns
        // how many pages it mapped; they are usable on return.
        internal static ulong MapBeforeTables(ulong firstFree, ulong tableBase, ref ExtraMemory extra)
        {
            LearnFlags();
            s_tableBase = tableBase;
            s_tableCount = ulong.MaxValue;
            s_tablesUsed = 0;
            s_position = new WalkPosition { L3Region = ulong.MaxValue, L2Region = ulong.MaxValue };
            Walk(dryRun: false, firstFree, tableBase, ref extra, out ulong mapped);
            ReleaseScratch();
            return mapped;
        }

        // Step two: maps the rest, [tableBase, topPfn). A dry run counts the tables first, so the final walk
        // knows which pages to map read-only.
        internal static ulong MapFromTables(ulong topPfn, ref ExtraMemory extra)
        {
            ulong before = s_tablesUsed;
            Walk(dryRun: true, s_tableBase, topPfn, ref extra, out _);
            s_tableCount = s_tablesUsed;
            s_tablesUsed = before;

            Walk(dryRun: false, s_tableBase, topPfn, ref extra, out ulong mapped);
            ReleaseScratch();
            return mapped;
        }

        // Maps the RAM pages of [startPfn, endPfn) (startPfn 2 MiB-aligned); balloon space gets leaf tables too.
        private static void Walk(bool dryRun, ulong startPfn, ulong endPfn, ref ExtraMemory extra, out ulong mapped)
        {
            mapped = 0;
            ulong block = PageTableEntry.Span(2);
            ulong start = startPfn << XenConstants.PageShift, end = ((endPfn << XenConstants.PageShift) + block - 1) & ~(block - 1);
            WalkPosition at = s_position;
            ulong* root = (ulong*)AddressTranslation.MachineFrameToVirtual(Paravirt.Ops.ReadCr3() >> XenConstants.PageShift);

            for (ulong va = start; va < end; va += block)
            {
                if (!BlockNeedsTable(va >> XenConstants.PageShift, endPfn, ref extra)) continue;

                if (va >> 39 != at.L3Region)
                {
                    at.L3Region = va >> 39;
                    at.L2Region = ulong.MaxValue;
                    ulong entry = root[PageTableEntry.Index(va, 4)];
                    at.L3New = !PageTableEntry.IsPresent(entry);
                    if (at.L3New)
                    {
                        at.L3Mfn = NewTable(dryRun);
                        if (!dryRun) LinkNow(AddressTranslation.VirtualToMachine((ulong)&root[PageTableEntry.Index(va, 4)]), PageTableEntry.Make(at.L3Mfn, s_l4Flags));
                    }
                    else at.L3Mfn = PageTableEntry.Frame(entry);
                }
                if (va >> 30 != at.L2Region)
                {
                    at.L2Region = va >> 30;
                    ulong entry = at.L3New ? 0 : TableOf(at.L3Mfn)[PageTableEntry.Index(va, 3)];
                    at.L2New = !PageTableEntry.IsPresent(entry);
                    if (at.L2New)
                    {
                        at.L2Mfn = NewTable(dryRun);
                        if (!dryRun) LinkNow((at.L3Mfn << XenConstants.PageShift) + (ulong)PageTableEntry.Index(va, 3) * 8, PageTableEntry.Make(at.L2Mfn, s_l3Flags));
                    }
                    else at.L2Mfn = PageTableEntry.Frame(entry);
                }
                // Xen's tables already cover this block: leave it as it is.
                if (!at.L2New && PageTableEntry.IsPresent(TableOf(at.L2Mfn)[PageTableEntry.Index(va, 2)])) continue;

                ulong l1Mfn = NewTable(dryRun);
                if (dryRun) continue;
                mapped += FillLeafTable(va >> XenConstants.PageShift, endPfn);
                s_heldLinkAddress = (at.L2Mfn << XenConstants.PageShift) + (ulong)PageTableEntry.Index(va, 2) * 8;
                s_heldLinkValue = PageTableEntry.Make(l1Mfn, s_l2Flags);
                s_linkHeld = true;
            }
            if (!dryRun) s_position = at;
        }

        // A block gets a leaf table if any of its pfns is RAM now or balloon space later.
        private static bool BlockNeedsTable(ulong firstPfn, ulong topPfn, ref ExtraMemory extra)
        {
            for (ulong pfn = firstPfn; pfn < firstPfn + PageTableEntry.EntriesPerTable && pfn < topPfn; pfn++)
                if (P2m.IsBacked(P2m.MachineFrame(pfn)) || extra.Contains(pfn)) return true;
            return false;
        }

        // Xen's own tables are mapped (read-only) in the start-of-day mapping; ours are only read after setup.
        private static ulong* TableOf(ulong mfn) => (ulong*)AddressTranslation.MachineFrameToVirtual(mfn);

        private static ulong NewTable(bool dryRun)
        {
            ulong pfn = s_tableBase + s_tablesUsed++;
            if (dryRun) return 0;
            if (s_tablesUsed > s_tableCount) Panic.Fail("memory setup: more page tables needed than counted");
            ulong mfn = P2m.MachineFrame(pfn);
            if (!P2m.IsBacked(mfn)) Panic.Fail("memory setup: the frames after the start-of-day mapping are not all RAM");
            ulong* page = PointScratchAt(mfn);
            for (int i = 0; i < PageTableEntry.EntriesPerTable; i++) page[i] = 0;
            return mfn;
        }

        // The leaf table being filled is the one under the scratch mapping.
        private static ulong FillLeafTable(ulong firstPfn, ulong topPfn)
        {
            ulong* page = (ulong*)ScratchPage();
            ulong mapped = 0;
            for (int i = 0; i < PageTableEntry.EntriesPerTable; i++)
            {
                ulong pfn = firstPfn + (ulong)i;
                if (pfn >= topPfn) break;
                ulong mfn = P2m.MachineFrame(pfn);
                if (!P2m.IsBacked(mfn)) continue;
                bool table = pfn >= s_tableBase && pfn - s_tableBase < s_tableCount;
                page[i] = PageTableEntry.Make(mfn, table ? s_readOnlyFlags : s_dataFlags);
                mapped++;
            }
            return mapped;
        }

        // An upper-level link must be in place before the walk goes on below it: it goes out in the same
        // multicall as the move of the scratch window off the new table.
        private static void LinkNow(ulong entryMachineAddress, ulong value)
        {
            Multicalls.EnterLazy();
            ReleaseScratch();
            Multicalls.QueuePageTableEntry(entryMachineAddress, value);
            Multicalls.LeaveLazy();
        }

        // Moves the scratch window, then issues the held link of the table it has just left, in one multicall.
        private static ulong* PointScratchAt(ulong mfn)
        {
            ulong scratch = (ulong)ScratchPage();
            Multicalls.EnterLazy();
            Multicalls.QueueUpdateVaMapping(scratch, PageTableEntry.Make(mfn, s_dataFlags), XenConstants.UvmfInvlpg);
            if (s_linkHeld) Multicalls.QueuePageTableEntry(s_heldLinkAddress, s_heldLinkValue);
            s_linkHeld = false;
            Multicalls.LeaveLazy();
            return (ulong*)scratch;
        }

        private static void ReleaseScratch()
        {
            ulong scratch = (ulong)ScratchPage();
            PointScratchAt(P2m.MachineFrame(scratch >> XenConstants.PageShift));
        }

        // Entry flags as Xen set them in its own tables (kernel mappings of a PV guest carry _PAGE_USER, for
        // instance), with no-execute added for data where the CPU has it.
        private static void LearnFlags()
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
        // permission kept. Memory mapped later is no-execute from the start (DataFlags).
        internal static void ProtectImage()
        {
            ulong text = (ulong)ImageStart(), rodata = (ulong)RodataStart(), data = (ulong)DataStart(), image = (ulong)ImageEnd();
            ulong end = s_firstFree << XenConstants.PageShift;
            if (end < image) Panic.Fail("memory setup: the image ends beyond Xen's start-of-day mapping");
            ulong nx = s_noExecute ? PageTableEntry.NoExecute : 0;
            ulong* literals = ReadOnlyLiterals(); // { start, end } of the .data pages holding only string literals
            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ops.EnterLazyMmu();
            for (ulong va = AddressTranslation.PageSize; va < end; va += AddressTranslation.PageSize)
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
            ops.LeaveLazyMmu();
            ops.FlushTlbAll();
        }

        [RuntimeImport("uk_scratch_page_address")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void* ScratchPage();
        [RuntimeImport("uk_image_start_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* ImageStart();
        [RuntimeImport("uk_rodata_start_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* RodataStart();
        [RuntimeImport("uk_data_start_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* DataStart();
        [RuntimeImport("uk_readonly_literals_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern ulong* ReadOnlyLiterals();
        [RuntimeImport("uk_image_end_address")] [MethodImpl(MethodImplOptions.InternalCall)] internal static extern void* ImageEnd();
    }
}
