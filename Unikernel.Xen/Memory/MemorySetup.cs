using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core;
using Unikernel.Core.Memory;
using Unikernel.Core.Paravirt;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Linux's xen_memory_setup and xen_pagetable_init for a unikernel that owns all its memory. The
    // hypervisor-independent planning lives in Unikernel.Core.Memory; this carries it out:
    //   1. fetch the memory map (machine map for dom0), validate and sanitize it;
    //   2. compute the page limits (maximum reservation, xen_512gb_limit) and check that what Xen placed
    //      at start of day lies in RAM;
    //   3. plan extra, identity, remap and release;
    //   4. build the full p2m from Xen's start-of-day list and the plan, in the first pages after the
    //      start-of-day mapping (mapped first, from that list), and install it;
    //   5. execute the plan: M2P updates for remapped frames, decrease_reservation for released ones,
    //      unmapping of pfns that became identity;
    //   6. map every other RAM page at virtual = pseudo-physical (the start-of-day layout), adding page
    //      tables only where none exist (LinearMap);
    //   7. give free RAM and the extra (balloon) space to the frame allocator, and protect the image (text
    //      read-execute, rodata read-only, data no-execute).
    internal static unsafe class MemorySetup
    {
        public const int MaxMapEntries = 128;   // E820_MAX_ENTRIES_ZEROPAGE, as Linux sizes its buffer
        private const int MaxOperations = 256;

        private struct OperationStorage { public fixed byte Bytes[MaxOperations * 32]; } // MemoryOperation[]
        private struct ExtraStorage { public fixed byte Bytes[ExtraMemory.DefaultCapacity * 16]; } // PfnRange[]

        private static OperationStorage s_operations;
        private static ExtraStorage s_extra;
        // Xen's start-of-day p2m list: where the frames to remap and release are found.
        private static ulong* InitialP2m => (ulong*)Domain.StartInfo->MfnList;
        private static ulong InitialPages => Domain.StartInfo->NrPages;
        private static MemorySetupSummary s_summary;
        private static uint s_rawEntries;
        private static ulong s_mappedPages, s_ramPages;
        private static ulong s_notReleased; // pages in holes whose M2P entry was not ours: kept, not released

        public static ref readonly MemorySetupSummary Summary => ref s_summary;
        public static uint RawMapEntries => s_rawEntries;
        public static ulong MappedPages => s_mappedPages;

        internal static void Run(StartInfo* startInfo)
        {
            bool dom0 = startInfo->IsInitialDomain;

            // Limits first: the -ENOSYS fallback map is sized from them.
            BoolOption limit512 = new KernelCommandLine(Domain.CommandLine).GetBool("xen_512gb_limit", true);
            if (limit512.BadValue) XenConsole.WriteLine("memory: xen_512gb_limit has a bad value (want 0/1/on/off/true/false/y/n): keeping the default, on");
            // Read once: dom0's limits need it (a failure is fatal there); everyone's balloon budget uses it.
            long maxReservation = ReservationOf(MemoryOp.MaximumReservation);
            if (dom0) Panic.Check(maxReservation, "memory_op(XENMEM_maximum_reservation)");
            PageLimits limits = PageLimits.Compute(startInfo->NrPages, dom0 ? (ulong)maxReservation : 0, dom0, limit512.Value);

            Span<MemoryRegion> raw = stackalloc MemoryRegion[MaxMapEntries];
            uint count = FetchMap(raw, dom0, limits);
            s_rawEntries = count;
            Span<MemoryRegion> sanitized = stackalloc MemoryRegion[MaxMapEntries];
            MemoryMap map = CheckMap(raw, count, dom0, sanitized);
            s_ramPages = map.RamPages();
            CheckPlacement(map, startInfo);

            fixed (byte* extraBytes = s_extra.Bytes)
            fixed (byte* operationBytes = s_operations.Bytes)
            {
                var extra = new ExtraMemory(new Span<PfnRange>(extraBytes, ExtraMemory.DefaultCapacity));
                var plan = new MemoryPlan(new Span<MemoryOperation>(operationBytes, MaxOperations));
                MemoryStatus status = MemorySetupPlanner.Plan(map, limits, ref extra, ref plan, out s_summary);
                if (status != MemoryStatus.Ok) Fail("memory setup: the plan does not fit (", status, ")");

                // The p2m holds what is RAM now or may become RAM; identity above that is implicit (the
                // planner's TopPfn reaches the end of the map, reserved ranges up to 1 TiB included). It and
                // the allocator's bitmaps take the first pages after the start-of-day mapping; new page tables
                // start at the next 2 MiB block, so the blocks mapped before the full p2m exists hold none.
                ulong topPfn = P2mEnd(plan.Operations, extra.EndPfn());
                ulong firstFree = LinearMap.InitialMappingEndPfn(startInfo);
                ulong bitmapWords = FrameAllocator.StorageWords(topPfn);
                ulong bitmapStart = firstFree + PagesFor(topPfn * sizeof(ulong));
                ulong reserveEnd = bitmapStart + PagesFor(bitmapWords * sizeof(ulong));
                ulong blockPages = PageTableEntry.EntriesPerTable;
                ulong tableBase = (reserveEnd + blockPages - 1) & ~(blockPages - 1);

                ulong mapped = LinearMap.MapBeforeTables(firstFree, tableBase, ref extra);
                P2m.Build((ulong*)(firstFree << XenConstants.PageShift), topPfn, plan.Operations);
                // Mapped from Xen's list before anything moved: they must be RAM after the plan too.
                for (ulong pfn = firstFree; pfn < tableBase + LinearMap.TablesUsed; pfn++)
                    if (!P2m.IsBacked(P2m.MachineFrame(pfn))) Panic.Fail("memory setup: no room for the p2m and page tables after the start-of-day mapping");
                Execute(plan.Operations);

                mapped += LinearMap.MapFromTables(topPfn, ref extra);
                s_mappedPages = mapped + LinearMap.CountMappedBelow(firstFree);
                Span<PfnRange> free = stackalloc PfnRange[2];
                free[0] = new PfnRange(reserveEnd, tableBase - reserveEnd);
                free[1] = new PfnRange(tableBase + LinearMap.TablePages, topPfn - (tableBase + LinearMap.TablePages));
                FramePool.Initialize((ulong*)(bitmapStart << XenConstants.PageShift), bitmapWords, topPfn, free, ref extra,
                    PopulateBudget(maxReservation));
            }
            LinearMap.ProtectImage();
            PrintSummary();
        }

        private static ulong PagesFor(ulong bytes) => (bytes + AddressTranslation.PageSize - 1) / AddressTranslation.PageSize;

        private static ulong P2mEnd(ReadOnlySpan<MemoryOperation> operations, ulong extraEnd)
        {
            ulong end = InitialPages > extraEnd ? InitialPages : extraEnd;
            for (int i = 0; i < operations.Length; i++)
                if (operations[i].Kind == MemoryOperationKind.Remap && operations[i].Destination + operations[i].Count > end)
                    end = operations[i].Destination + operations[i].Count;
            return end;
        }

        private static uint FetchMap(Span<MemoryRegion> raw, bool dom0, in PageLimits limits)
        {
            long rc;
            var request = new XenMemoryMap { NrEntries = MaxMapEntries };
            fixed (MemoryRegion* entries = raw)
            {
                request.Buffer = (ulong)entries;
                rc = Hypercall.Invoke(HypercallNumber.MemoryOp, dom0 ? MemoryOp.MachineMemoryMap : MemoryOp.MemoryMap, (ulong)&request);
            }
            if (rc == XenError.ENOSYS && !dom0)
            {
                // The toolstack set no map: one RAM entry for what we were given plus slack, as Linux does.
                raw[0] = FallbackMemoryMap.Build(limits.InitialPages, limits.MaxPages);
                return 1;
            }
            Panic.Check(rc, dom0 ? "memory_op(XENMEM_machine_memory_map)" : "memory_op(XENMEM_memory_map)");
            return request.NrEntries;
        }

        // Validates and sanitizes a memory map as Xen returned it; bad input is fatal and named. Public so
        // the probe guest can feed it broken maps.
        public static MemoryMap CheckMap(ReadOnlySpan<MemoryRegion> raw, uint count, bool dom0, Span<MemoryRegion> storage)
        {
            MemoryStatus status = MemoryMap.Build(raw, count, dom0 ? MemoryMapOptions.ForInitialDomain : MemoryMapOptions.Default,
                storage, out MemoryMap map, out int bad);
            if (status == MemoryStatus.Ok) return map;

            var text = new TextBuilder(stackalloc char[160]);
            switch (status)
            {
                case MemoryStatus.NoEntries: text.Append("memory map from Xen: it has no entries"); break;
                case MemoryStatus.TooManyEntries:
                    text.Append($"memory map from Xen: it claims {count} entries, more than the buffer of {raw.Length}");
                    break;
                case MemoryStatus.SizeOverflow: text.Append($"memory map from Xen: entry {bad} wraps past the end of the address space"); break;
                case MemoryStatus.BeyondAddressWidth:
                    text.Append($"memory map from Xen: entry {bad} ends beyond the 52-bit physical address width (at 0x{raw[bad].Address:x})");
                    break;
                default: text.Append($"memory map from Xen: cannot be sanitized into {storage.Length} entries"); break;
            }
            Panic.Fail(text.Text);
            return default;
        }

        // Linux's checks that the kernel, the p2m list and the other start-of-day pieces are in RAM.
        private static void CheckPlacement(MemoryMap map, StartInfo* startInfo)
        {
            Span<PhysicalRange> items = stackalloc PhysicalRange[4];
            items[0] = new PhysicalRange((ulong)LinearMap.ImageStart(), (ulong)LinearMap.ImageEnd() - (ulong)LinearMap.ImageStart());
            items[1] = new PhysicalRange(startInfo->MfnList, startInfo->NrPages * sizeof(ulong));
            items[2] = new PhysicalRange((ulong)startInfo, AddressTranslation.PageSize);
            items[3] = new PhysicalRange(startInfo->PtBase, startInfo->NrPtFrames * AddressTranslation.PageSize);
            int outside = MemoryCollisions.FindFirstOutsideRam(map, items);
            if (outside >= 0)
            {
                string what = outside switch { 0 => "kernel image", 1 => "p2m list", 2 => "start_info page", _ => "page tables" };
                var text = new TextBuilder(stackalloc char[128]);
                text.Append($"memory map: the {what} at 0x{items[outside].Address:x} is not in RAM of the memory map");
                Panic.Fail(text.Text);
            }
            if (startInfo->ModLen != 0 && !map.IsRam(startInfo->ModStart, startInfo->ModLen))
                Panic.Fail("memory map: the initial module is not in RAM of the memory map, and moving it is not supported");
        }

        // Remapped frames change owner pfn in the M2P; pages that became identity lose their start-of-day
        // mapping; released frames go back to Xen (after their mapping is gone, or Xen keeps them).
        private static void Execute(ReadOnlySpan<MemoryOperation> operations)
        {
            Multicalls.EnterBulk();
            for (int i = 0; i < operations.Length; i++)
            {
                ref readonly MemoryOperation op = ref operations[i];
                if (op.Kind == MemoryOperationKind.Identity) LinearMap.UnmapInitial(op.Source, op.Count);
                else if (op.Kind == MemoryOperationKind.Remap)
                    for (ulong k = 0; k < op.Count; k++) Multicalls.QueueMachineToPhysical(InitialP2m[op.Source + k], op.Destination + k);
            }
            Multicalls.LeaveBulk();
            Paravirt.Ops.FlushTlbAll(); // mmu_update leaves stale translations of what it unmapped

            Span<ulong> frames = stackalloc ulong[256];
            for (int i = 0; i < operations.Length; i++)
            {
                ref readonly MemoryOperation op = ref operations[i];
                if (op.Kind != MemoryOperationKind.Release) continue;
                for (ulong done = 0; done < op.Count;)
                {
                    int n = op.Count - done < (ulong)frames.Length ? (int)(op.Count - done) : frames.Length;
                    // As Linux's xen_free_mfn path checks: only a frame the M2P says is ours at that pfn goes back.
                    int m = 0;
                    for (int k = 0; k < n; k++)
                    {
                        ulong pfn = op.Source + done + (ulong)k, mfn = InitialP2m[pfn];
                        if (AddressTranslation.MachineToPhysicalFrame(mfn) == pfn) frames[m++] = mfn;
                        else s_notReleased++;
                    }
                    long released = ChangeReservation(MemoryOp.DecreaseReservation, frames.Slice(0, m));
                    if (released != m) Panic.HypercallFailed("memory_op(XENMEM_decrease_reservation)", released < 0 ? released : XenError.EBUSY);
                    done += (ulong)n;
                }
            }
        }

        internal static long ChangeReservation(ulong command, Span<ulong> frames)
        {
            fixed (ulong* list = frames)
            {
                var reservation = new XenMemoryReservation { ExtentStart = (ulong)list, NrExtents = (ulong)frames.Length, DomId = (ushort)DomainId.Self };
                return Hypercall.Invoke(HypercallNumber.MemoryOp, command, (ulong)&reservation);
            }
        }

        private static long ReservationOf(ulong command)
        {
            ushort self = (ushort)DomainId.Self;
            return Hypercall.Invoke(HypercallNumber.MemoryOp, command, (ulong)&self);
        }

        // How many more pages Xen will give us: the maximum reservation less what we hold.
        private static ulong PopulateBudget(long max)
        {
            long current = ReservationOf(MemoryOp.CurrentReservation);
            if (max < 0 || current < 0 || max <= current) return 0;
            return (ulong)(max - current);
        }

        private static void PrintSummary()
        {
            ref readonly MemorySetupSummary s = ref s_summary;
            var text = new TextBuilder(stackalloc char[320]);
            text.Append($"memory: map={s_rawEntries} entries ({s.MapEntries} sanitized, {s_ramPages} RAM pages) nr_pages={s.NrPages} max_pages={s.MaxPages} extra={s.ExtraPages} identity={s.IdentityPages} released={s.ReleasedPages} remapped={s.RemappedPages}");
            if (s_notReleased != 0) text.Append($" ({s_notReleased} not released: their M2P entry was not ours)");
            ulong free = FramePool.FreePageCount;
            text.Append($" mapped={s_mappedPages} pages ({s_mappedPages >> 8} MiB) free={free} pages ({free >> 8} MiB)");
            XenConsole.WriteLine(text.Text);
        }

        private static void Fail(string what, MemoryStatus status, string after)
        {
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"{what}{(int)status}{after}");
            Panic.Fail(text.Text);
        }
    }
}
