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
    //   4. execute the plan: unmapping of pfns that became identity, decrease_reservation for released
    //      frames; then the p2m: a directory of leaves, Xen's start-of-day list's whole pages in place or taken
    //      over by the remap, the rest new (in the reserve); then M2P updates for remapped frames;
    //   5. map every other RAM page at virtual = pseudo-physical (the start-of-day layout), adding page
    //      tables only where none exist (LinearMap);
    //   6. give free RAM and the extra (balloon) space to the frame allocator, and protect the image (text
    //      read-execute, rodata read-only, data no-execute).
    internal static unsafe class MemorySetup
    {
        public const int MaxMapEntries = 128;   // E820_MAX_ENTRIES_ZEROPAGE, as Linux sizes its buffer
        private const int MaxOperations = 256;

        // Xen's start-of-day p2m list: where the frames to remap and release are found.
        private static ulong* InitialP2m => (ulong*)Domain.StartInfo->MfnList;
        private static ulong InitialPages => Domain.StartInfo->NrPages;
        private static MemorySetupSummary s_summary;
        private static uint s_rawEntries;
        private static ulong s_ramPages;
        private static UsedPages s_parts;
        private static FramePool.LazyCounts s_lazy;
        private static ulong s_returned, s_returnedFromImage; // unmapped pages given back to Xen (page 0, image pages)

        // The pages memory setup leaves in use (the rest of RAM is free or released), for the summary.
        private struct UsedPages
        {
            public ulong Image, Xen, Setup, Mapped;
        }
        private static ulong s_notReleased; // pages in holes whose M2P entry was not ours: kept, not released

        public static ref readonly MemorySetupSummary Summary => ref s_summary;
        public static uint RawMapEntries => s_rawEntries;

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

            // On the stack, not in .bss: needed only here.
            var extra = new ExtraMemory(stackalloc PfnRange[ExtraMemory.DefaultCapacity]);
            var plan = new MemoryPlan(stackalloc MemoryOperation[MaxOperations]);
            MemoryStatus status = MemorySetupPlanner.Plan(map, limits, ref extra, ref plan, out s_summary);
            if (status != MemoryStatus.Ok) Fail("memory setup: the plan does not fit (", status, ")");
            Lay(startInfo, ref extra, plan.Operations, maxReservation);
            P2m.PublishFrameLists();
            s_parts.Setup += P2m.FrameListPages;
            LinearMap.ProtectImage();
            PrintSummary();
        }

        // Where setup's own pages go, and what becomes of the rest:
        //   - the slack of Xen's start-of-day mapping (after its bootstrap stack, up to the 4 MiB boundary,
        //     mapped already) takes the upper-level tables, then the reserve: the p2m's directory and new leaves (unless Xen's
        //     list serves alone: no plan to carry out, nothing beyond it), the allocator's bitmaps and a leaf table per
        //     block of balloon space. A reserve too big for the slack goes right after the mapping instead,
        //     mapped from Xen's list through leaf tables in the slack.
        //   - every other block is mapped on first use (LinearMap.EnsureMapped);
        //   - free for the allocator: the pages below the image (page 0 stays unmapped), the rest of the
        //     slack, the bootstrap stack, and all RAM after the mapping.
        private static void Lay(StartInfo* startInfo, ref ExtraMemory extra, ReadOnlySpan<MemoryOperation> operations, long maxReservation)
        {
            const ulong Block = LinearMap.BlockPages;
            LinearMap.LearnFlags();
            ulong topPfn = P2mEnd(operations, extra.EndPfn());
            ulong mappingEnd = LinearMap.InitialMappingEndPfn(startInfo);
            ulong stackPfn = LinearMap.BootstrapStackPfn(startInfo), slackStart = stackPfn + 1;
            if (slackStart > mappingEnd) Panic.Fail("memory setup: Xen's bootstrap stack lies beyond its start-of-day mapping");

            bool inPlace = operations.Length == 0 && topPfn <= InitialPages;
            ulong imageStart = (ulong)LinearMap.ImageStart() >> XenConstants.PageShift, imageEnd = (ulong)LinearMap.ImageEnd() >> XenConstants.PageShift;
            ulong p2mPages = inPlace ? 0 : P2m.BuildPages(topPfn, operations); // the p2m's directory and new leaves
            ulong bitmapWords = FrameAllocator.StorageWords(topPfn);
            ulong bitmapPages = PagesFor(bitmapWords * sizeof(ulong));
            ulong balloonTables = BalloonBlocks(ref extra, 0);
            ulong reservePages = p2mPages + bitmapPages + balloonTables;
            ulong uppers = LinearMap.UpperTables(mappingEnd, topPfn);
            ulong slack = mappingEnd - slackStart;

            ulong reserveStart, reserveBlocksEnd, slackUsed;
            if (uppers + reservePages <= slack)
            {
                reserveStart = slackStart + uppers;
                reserveBlocksEnd = mappingEnd;
                slackUsed = uppers + reservePages;
            }
            else
            {
                ulong blocks = (reservePages + Block - 1) / Block;
                if (uppers + blocks > slack)
                {
                    var text = new TextBuilder(stackalloc char[160]);
                    text.Append($"memory setup: the p2m and bitmaps for {topPfn} pages need {uppers + blocks} page tables, more than the {slack} spare pages of Xen's start-of-day mapping");
                    Panic.Fail(text.Text);
                }
                reserveStart = mappingEnd;
                reserveBlocksEnd = mappingEnd + blocks * Block;
                slackUsed = uppers + blocks;
                // Mapped from Xen's list before anything moves: it must be ours and stay RAM after the plan.
                if (reserveBlocksEnd > InitialPages) Panic.Fail("memory setup: no room for the p2m and bitmaps after the start-of-day mapping");
            }
            LinearMap.ReserveUpperTables(slackStart, uppers); // made on first use
            for (ulong b = mappingEnd; b < reserveBlocksEnd; b += Block)
                LinearMap.MapBlock(b, slackStart + uppers + (b - mappingEnd) / Block, tableMapped: true);

            ulong bitmapStart = reserveStart + p2mPages, balloonTableStart = bitmapStart + bitmapPages;
            // The reserve after the mapping was mapped from Xen's list: the plan must leave its pfns alone.
            if (PlanTouches(operations, mappingEnd, reserveBlocksEnd)) Panic.Fail("memory setup: no room for the p2m and bitmaps after the start-of-day mapping");
            UnmapAndRelease(operations);
            if (!inPlace) P2m.Build((ulong*)(reserveStart << XenConstants.PageShift), topPfn, operations);
            UpdateRemapped(operations, reserveBlocksEnd);
            ReturnUnmappedPages();
            BalloonBlocks(ref extra, balloonTableStart);
            LinearMap.DeferFrom(reserveBlocksEnd, topPfn);

            s_parts.Setup = slackUsed + (reserveBlocksEnd > mappingEnd ? reservePages : 0);
            ulong afterImage = LoadedAfterImage(startInfo);
            Span<PfnRange> free = stackalloc PfnRange[6];
            int n = 0;
            free[n++] = new PfnRange(1, imageStart - 1);
            free[n++] = new PfnRange(stackPfn, 1);
            free[n++] = new PfnRange(slackStart + slackUsed, mappingEnd - (slackStart + slackUsed));
            if (reserveBlocksEnd > mappingEnd) free[n++] = new PfnRange(reserveStart + reservePages, reserveBlocksEnd - (reserveStart + reservePages));
            if (afterImage != 0) free[n++] = new PfnRange(imageEnd, afterImage);
            // The backed runs after the plan, from the plan itself: the allocator gets them without a read of
            // the p2m per page (host-tested against the table the plan makes).
            Span<PfnRange> runs = stackalloc PfnRange[2 * operations.Length + 2];
            bool runsKnown = P2mTable.BackedRanges(operations, InitialPages, topPfn, runs, out int runCount) == MemoryStatus.Ok;
            FramePool.Initialize((ulong*)(bitmapStart << XenConstants.PageShift), bitmapWords, topPfn, free.Slice(0, n), ref extra,
                PopulateBudget(maxReservation), runs.Slice(0, runsKnown ? runCount : 0), runsKnown, out s_lazy);
            s_parts.Image = imageEnd - imageStart - s_returnedFromImage;
            // Xen's pieces between the image and the slack (start_info, rings, its page tables, the list, which
            // stays the p2m's first part, a module), less what went to the allocator.
            s_parts.Xen = stackPfn - imageEnd - afterImage;
            s_parts.Mapped = LinearMap.CountMappedBelow(reserveBlocksEnd);
        }

        // Pages the loader filled after the image and before Xen's own pieces: the unpack stub and the
        // compressed segments of a self-extracting image (ukboot pack), done with once _start runs. Only
        // without a module, which the loader may also place there.
        private static ulong LoadedAfterImage(StartInfo* startInfo)
        {
            if (startInfo->ModLen != 0) return 0;
            ulong end = startInfo->MfnList;
            if ((ulong)startInfo < end) end = (ulong)startInfo;
            if (startInfo->PtBase < end) end = startInfo->PtBase;
            ulong imageEnd = (ulong)LinearMap.ImageEnd();
            return end > imageEnd ? (end - imageEnd) >> XenConstants.PageShift : 0;
        }

        // Pages of the image that nothing maps any more go back to Xen: page 0 and the stack guard (unmapped
        // so that access faults) and the page the shared_info frame is mapped over.
        private static void ReturnUnmappedPages()
        {
            Span<ulong> pfns = stackalloc ulong[8];
            int n = 0;
            pfns[n++] = 0;
            for (ulong page = (ulong)Traps.StackGuard(); page < (ulong)Traps.StackBottom(); page += AddressTranslation.PageSize)
                pfns[n++] = page >> XenConstants.PageShift;
            pfns[n++] = (ulong)SharedInfoPage.Page >> XenConstants.PageShift;
            bool page0Backed = P2m.IsBacked(P2m.MachineFrame(0)); // dom0's page 0 may sit in a hole already handled
            s_returned = (ulong)ReturnFrames(pfns.Slice(0, n));
            s_returnedFromImage = page0Backed ? s_returned - 1 : s_returned;
        }

        // Gives the frames behind pfns that nothing maps any more (a page now mapping a frame of Xen's, an
        // unmapped guard) back to Xen and forgets them in the p2m; unbacked pfns are skipped. Returns how
        // many went back.
        internal static int ReturnFrames(ReadOnlySpan<ulong> pfns)
        {
            Span<ulong> frames = stackalloc ulong[16];
            if (pfns.Length > frames.Length) Panic.Fail("memory: more frames to return at once than expected");
            int m = 0;
            for (int i = 0; i < pfns.Length; i++)
            {
                ulong mfn = P2m.MachineFrame(pfns[i]);
                if (!P2m.IsBacked(mfn)) continue;
                frames[m++] = mfn;
                P2m.Set(pfns[i], P2mTable.InvalidEntry);
            }
            long returned = ChangeReservation(MemoryOp.DecreaseReservation, frames.Slice(0, m));
            if (returned != m) Panic.HypercallFailed("memory_op(XENMEM_decrease_reservation)", returned < 0 ? returned : XenError.EBUSY);
            return m;
        }

        // Blocks of balloon space, each with a leaf table page in the reserve (populating a page never needs a
        // page it has not got yet): counted when firstTablePfn is 0, else handed to LinearMap with their table
        // pages from there on, to be made when a page of the block is first populated.
        private static ulong BalloonBlocks(ref ExtraMemory extra, ulong firstTablePfn)
        {
            const ulong Block = LinearMap.BlockPages;
            ulong count = 0, blocksEnd = 0;
            ReadOnlySpan<PfnRange> slots = extra.Slots;
            // Slots in address order: the planner adds them as it walks the map; a block shared by two counts once.
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i].Count == 0) continue;
                ulong first = slots[i].Start & ~(Block - 1), end = (slots[i].End + Block - 1) & ~(Block - 1);
                if (first < blocksEnd) first = blocksEnd;
                if (first >= end) continue;
                if (firstTablePfn != 0) LinearMap.AddBalloonBlocks(first, end, firstTablePfn + count);
                count += (end - first) / Block;
                blocksEnd = end;
            }
            return count;
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

        // Whether an operation of the plan changes the entry of a pfn in [start, end).
        private static bool PlanTouches(ReadOnlySpan<MemoryOperation> operations, ulong start, ulong end)
        {
            foreach (ref readonly MemoryOperation op in operations)
                if (op.Source < end && start < op.Source + op.Count) return true;
            return false;
        }

        // Before the p2m changes (Xen's list is its first part, changed in place): pages that became identity
        // lose their start-of-day mapping; released frames, read from the list, go back to Xen (after their
        // mapping is gone, or Xen keeps them).
        private static void UnmapAndRelease(ReadOnlySpan<MemoryOperation> operations)
        {
            Multicalls.EnterBulk();
            for (int i = 0; i < operations.Length; i++)
                if (operations[i].Kind == MemoryOperationKind.Identity) LinearMap.UnmapInitial(operations[i].Source, operations[i].Count);
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

        // After the p2m changed: remapped frames change owner pfn in the M2P. Those whose new pfns are mapped
        // on first use wait until then (LinearMap.MapBlock): nothing maps those frames before, and boot does
        // not grow with the hole.
        private static void UpdateRemapped(ReadOnlySpan<MemoryOperation> operations, ulong deferFrom)
        {
            Multicalls.EnterBulk();
            for (int i = 0; i < operations.Length; i++)
            {
                ref readonly MemoryOperation op = ref operations[i];
                if (op.Kind == MemoryOperationKind.Remap && !(op.Destination >= deferFrom && LinearMap.DeferRemap(op.Destination, op.Count)))
                    for (ulong k = 0; k < op.Count; k++) Multicalls.QueueMachineToPhysical(P2m.MachineFrame(op.Destination + k), op.Destination + k);
            }
            Multicalls.LeaveBulk();
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
            ulong free = FramePool.FreePageCount, mapped = s_parts.Mapped;
            text.Append($" returned={s_returned} mapped={mapped} pages ({mapped >> 8} MiB) deferred={s_lazy.Deferred} pages free={free} pages ({free >> 8} MiB)");
            XenConsole.WriteLine(text.Text);

            // Every page we hold that the allocator does not: what boot costs before Main.
            ulong used = s.NrPages - (s.ReleasedPages - s_notReleased) - s_returned - free;
            text.Clear();
            text.Append($"memory: used={used} pages before main: image={s_parts.Image} xen={s_parts.Xen} setup={s_parts.Setup} deferred-tables={s_lazy.Donors}");
            if (s_notReleased != 0) text.Append($" kept={s_notReleased}");
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
