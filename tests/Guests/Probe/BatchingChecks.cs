using Unikernel.Core.Memory;
using Unikernel.Core.Batching;
using Unikernel.Core.Paravirt;
using Unikernel.Xen;
using Unikernel.Xen.Abi;

// Batched page-table updates against real Xen: the same remapping done unbatched, in a lazy MMU section
// (coalesced mmu_update arrays) and as separate multicall entries must leave the same PTEs and show the same
// bytes; plus the batched context switch (stack_switch + set_segment_base + NEW_BASEPTR in one multicall).
internal static unsafe class BatchingChecks
{
    private const int Pages = 64;   // two flushes' worth of coalesced mmu_updates (32 fit the argument space)

    private static ulong* s_original; // PTEs of the windows before any remapping
    private static ulong* s_expected; // PTEs after the unbatched remapping

    public static int Run()
    {
        byte* area = Cpu.BatchArea();
        ulong* original = stackalloc ulong[Pages];
        ulong* expected = stackalloc ulong[Pages];
        ulong* seen = stackalloc ulong[Pages];
        s_original = original;
        s_expected = expected;

        // Window i (area page i) shows frame page Pages + (i*7 % Pages); each frame page holds its own marker.
        for (int i = 0; i < Pages; i++)
        {
            *(ulong*)Window(area, i) = Marker(i, false);
            *(ulong*)Frame(area, i) = Marker(i, true);
            ulong* pte = PageTableWalk.FindPte((ulong)Window(area, i));
            if (pte == null) return CheckReport.Check("batching-finds-ptes", false);
            original[i] = *pte;
        }

        int failures = 0;
        // 1. Unbatched: one mmu_update hypercall per page.
        ulong before = Multicalls.HypervisorEntries;
        Remap(area, batched: false);
        for (int i = 0; i < Pages; i++) { expected[i] = *PageTableWalk.FindPte((ulong)Window(area, i)); seen[i] = *(ulong*)Window(area, i); }
        bool unbatchedShowsFrames = true;
        for (int i = 0; i < Pages; i++) unbatchedShowsFrames &= seen[i] == Marker(i * 7 % Pages, true) && expected[i] != original[i];
        failures += CheckReport.Check("unbatched-remap-shows-other-frames", unbatchedShowsFrames);
        Restore(area, batched: false);
        failures += CheckReport.Check("unbatched-restore", Matches(area, original, restored: true));

        // 2. Lazy MMU section: SetPte queues and coalesces; nothing reaches the tables before the flush.
        BatchStatistics start = Multicalls.Statistics;
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        ops.EnterLazyMmu();
        ulong* first = PageTableWalk.FindPte((ulong)Window(area, 0));
        ops.SetPte(first, expected[0]);
        bool deferred = *first == original[0];
        for (int i = 1; i < Pages; i++) ops.SetPte(PageTableWalk.FindPte((ulong)Window(area, i)), expected[i]);
        ops.LeaveLazyMmu();
        ops.FlushTlbAll();
        BatchStatistics end = Multicalls.Statistics;
        failures += CheckReport.Check("lazy-mmu-defers-updates", deferred);
        failures += CheckReport.Check("lazy-remap-same-ptes-and-bytes", Matches(area, expected, restored: false));
        // 64 updates of 16 bytes in 512 bytes of argument space: two coalesced entries, each issued directly.
        failures += CheckReport.Check("lazy-remap-coalesced-into-two-hypercalls",
            end.Flushes - start.Flushes == 2 && end.Coalesced - start.Coalesced == Pages - 2 && end.EntriesIssued - start.EntriesIssued == 2);
        Restore(area, batched: true);
        failures += CheckReport.Check("lazy-restore", Matches(area, original, restored: true));

        // 3. Separate mmu_update entries in multicalls (no coalescing): 32 entries per HYPERVISOR_multicall.
        start = Multicalls.Statistics;
        Multicalls.EnterLazy();
        for (int i = 0; i < Pages; i++)
            Multicalls.QueueMmuUpdate(AddressTranslation.VirtualToMachine((ulong)PageTableWalk.FindPte((ulong)Window(area, i))), expected[i], coalesce: false);
        Multicalls.LeaveLazy();
        ops.FlushTlbAll();
        end = Multicalls.Statistics;
        failures += CheckReport.Check("multicall-remap-same-ptes-and-bytes", Matches(area, expected, restored: false));
        failures += CheckReport.Check("multicall-remap-two-multicalls-of-32",
            end.Flushes - start.Flushes == 2 && end.SingleIssues == start.SingleIssues && end.EntriesIssued - start.EntriesIssued == Pages);
        Restore(area, batched: false);
        failures += CheckReport.Check("multicall-restore", Matches(area, original, restored: true));
        failures += CheckReport.Check("batching-saved-entries", Multicalls.HypervisorEntries - before < 3 * Pages);

        failures += DirectCallOrderChecks(area, expected);
        failures += ContextSwitchChecks(area);
        XenConsole.WriteLine(failures == 0 ? "batching: 0 failed" : "batching: FAILED");
        return failures;
    }

    // A direct MMU hypercall inside a lazy section issues the queued updates first: the INVLPG of the remapped
    // page must find the new PTE in place, and reading the page then shows the new frame.
    private static int DirectCallOrderChecks(byte* area, ulong* expected)
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        ulong* pte = PageTableWalk.FindPte((ulong)Window(area, 0));
        ops.EnterLazyMmu();
        ops.SetPte(pte, expected[0]);
        bool queued = *pte == s_original[0] && Multicalls.Queue.PendingEntries == 1;
        ops.FlushTlbSingle((ulong)Window(area, 0));
        bool issued = *pte == expected[0] && Multicalls.Queue.PendingEntries == 0 && *(ulong*)Window(area, 0) == Marker(0, true);
        ops.LeaveLazyMmu();
        ops.SetPte(pte, s_original[0]);
        ops.FlushTlbSingle((ulong)Window(area, 0));
        bool restored = *(ulong*)Window(area, 0) == Marker(0, false);
        return CheckReport.Check("direct-call-issues-queued-updates-first", queued && issued && restored);
    }

    // One multicall carries stack_switch, set_segment_base(FS) and NEW_BASEPTR; %fs:0 then reads the page
    // the FS base points at, and the root is what it was (the only L4 we have is the current one).
    private static int ContextSwitchChecks(byte* area)
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        byte* tls = Frame(area, 1);
        *(ulong*)tls = 0x7157_0000_C0DE_F500;
        ulong root = ops.ReadCr3();
        BatchStatistics start = Multicalls.Statistics;
        ContextSwitch.Switch(Cpu.StackTop(), (ulong)tls, root);
        BatchStatistics end = Multicalls.Statistics;
        ulong fs = Cpu.ReadFs0();
        bool oneEntry = end.Flushes - start.Flushes == 1 && end.EntriesIssued - start.EntriesIssued == 3 && end.SingleIssues == start.SingleIssues;
        int failures = CheckReport.Check("context-switch-one-multicall", oneEntry);
        failures += CheckReport.Check("context-switch-fs-base-visible", fs == 0x7157_0000_C0DE_F500);
        *(ulong*)(tls + 8) = 0x1234;
        failures += CheckReport.Check("context-switch-root-kept", ops.ReadCr3() == root && *(ulong*)(tls + 8) == 0x1234);
        ContextSwitch.Switch(Cpu.StackTop(), 0, root); // the JIT never uses %fs; put the base back anyway
        return failures;
    }

    // Mode batch-fail: a multicall whose third entry is an mmu_update of an entry at a machine address that
    // is no frame at all. The queue must crash the domain naming mmu_update and index 2.
    public static int ProvokeFailure()
    {
        Multicalls.EnterLazy();
        Multicalls.QueueXenVersion(XenConstants.XenVerVersion);
        Multicalls.QueueXenVersion(XenConstants.XenVerVersion);
        Multicalls.QueueMmuUpdate(0x000F_FFFF_FFFF_F000, 0);
        Multicalls.QueueXenVersion(XenConstants.XenVerVersion);
        Multicalls.LeaveLazy();
        XenConsole.WriteLine("batch-fail: the failed entry was not reported");
        return 0;
    }

    private static void Remap(byte* area, bool batched)
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        if (batched) ops.EnterLazyMmu();
        for (int i = 0; i < Pages; i++)
        {
            ulong* pte = PageTableWalk.FindPte((ulong)Window(area, i));
            ulong target = AddressTranslation.VirtualToMachine((ulong)Frame(area, i * 7 % Pages)) & PageTableEntry.FrameMask;
            ops.SetPte(pte, (*pte & ~PageTableEntry.FrameMask) | target);
        }
        if (batched) ops.LeaveLazyMmu();
        ops.FlushTlbAll();
    }

    private static void Restore(byte* area, bool batched)
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        if (batched) ops.EnterLazyMmu();
        for (int i = 0; i < Pages; i++) ops.SetPte(PageTableWalk.FindPte((ulong)Window(area, i)), s_original[i]);
        if (batched) ops.LeaveLazyMmu();
        ops.FlushTlbAll();
    }

    // Every window's PTE equals ptes[i] (read through the page tables) and it shows the bytes that PTE maps.
    private static bool Matches(byte* area, ulong* ptes, bool restored)
    {
        for (int i = 0; i < Pages; i++)
        {
            if (*PageTableWalk.FindPte((ulong)Window(area, i)) != ptes[i]) return false;
            ulong want = restored ? Marker(i, false) : Marker(i * 7 % Pages, true);
            if (*(ulong*)Window(area, i) != want) return false;
        }
        return true;
    }

    private static byte* Window(byte* area, int i) => area + (ulong)i * AddressTranslation.PageSize;
    private static byte* Frame(byte* area, int i) => area + (ulong)(Pages + i) * AddressTranslation.PageSize;
    private static ulong Marker(int i, bool frame) => (frame ? 0xF0F0_0000_0000_0000UL : 0x0A0A_0000_0000_0000UL) | (uint)i;
}
