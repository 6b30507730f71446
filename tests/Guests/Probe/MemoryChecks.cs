using System;
using Unikernel.Core.Memory;
using Unikernel.Core.Text;
using Unikernel.Xen;

// Memory setup, checked from inside: every free page (and the balloon space Xen lets us populate) can be
// allocated, written and read back without a fault or an alias; freeing gives all of it back.
internal static unsafe class MemoryChecks
{
    public static int Run()
    {
        int failures = 0;
        ulong freeBefore = FramePool.FreePageCount, populatedBefore = FramePool.PopulatedPages, budget = FramePool.PopulateBudget;

        // Allocate everything, chaining the pages through their own first word; mark each with its address.
        ulong* head = null;
        ulong allocated = 0;
        while (true)
        {
            var page = (ulong*)FramePool.AllocatePage();
            if (page == null) break;
            page[0] = (ulong)head;
            page[1] = (ulong)page ^ 0x5a5a5a5a5a5a5a5a;
            page[511] = ~(ulong)page;
            head = page;
            allocated++;
        }
        ulong populated = FramePool.PopulatedPages - populatedBefore;

        // Each page holds what was written through its own address, and Xen's M2P names its pfn (remapped
        // frames get their M2P entries only when their block is first mapped).
        ulong verified = 0, bad = 0, m2pWrong = 0;
        for (ulong* page = head; page != null; page = (ulong*)page[0])
        {
            if (page[1] == ((ulong)page ^ 0x5a5a5a5a5a5a5a5a) && page[511] == ~(ulong)page) verified++;
            else bad++;
            ulong pfn = (ulong)page >> 12;
            if (AddressTranslation.MachineToPhysicalFrame(P2m.MachineFrame(pfn)) != pfn) m2pWrong++;
        }
        for (ulong* page = head; page != null;)
        {
            var next = (ulong*)page[0];
            FramePool.FreePage(page);
            page = next;
        }

        Span<char> buffer = stackalloc char[160];
        var text = new TextBuilder(buffer);
        text.Append("memtest: free=");
        text.Append(freeBefore);
        text.Append(" allocated=");
        text.Append(allocated);
        text.Append(" populated=");
        text.Append(populated);
        text.Append(" verified=");
        text.Append(verified);
        text.Append(" budget=");
        text.Append(budget);
        XenConsole.WriteLine(text.Text);

        failures += CheckReport.Check("every-free-page-allocated", allocated == freeBefore + populated && allocated > 0);
        failures += CheckReport.Check("every-page-holds-its-own-data", verified == allocated && bad == 0);
        failures += CheckReport.Check("every-page-in-the-m2p", m2pWrong == 0);
        failures += CheckReport.Check("free-gives-everything-back", FramePool.FreePageCount == freeBefore + populated);

        // Contiguous runs come back contiguous and usable.
        var run = (byte*)FramePool.AllocatePages(64);
        bool runOk = run != null && ((ulong)run & 4095) == 0;
        if (runOk)
        {
            for (int i = 0; i < 64; i++) run[i * 4096 + 100] = (byte)i;
            for (int i = 0; i < 64; i++) runOk &= run[i * 4096 + 100] == (byte)i;
            FramePool.FreePages(run, 64);
        }
        failures += CheckReport.Check("contiguous-run", runOk && FramePool.FreePageCount == freeBefore + populated);

        failures += ImageProtectionChecks();
        XenConsole.WriteLine(failures == 0 ? "memory: 0 failed" : "memory: FAILED");
        return failures;
    }

    // Text is mapped read-execute, read-only data read-only no-execute, data no-execute.
    private static int ImageProtectionChecks()
    {
        ulong text = (ulong)Cpu.TextAddress(), rodata = (ulong)Cpu.RodataAddress(), data = (ulong)Cpu.DataAddress();
        ulong textPte = *PageTableWalk.FindPte(text & ~4095UL), rodataPte = *PageTableWalk.FindPte(rodata & ~4095UL), dataPte = *PageTableWalk.FindPte(data & ~4095UL);
        bool ok = (textPte & PageTableEntry.Writable) == 0 && (textPte & PageTableEntry.NoExecute) == 0
            && (rodataPte & PageTableEntry.Writable) == 0 && (rodataPte & PageTableEntry.NoExecute) != 0
            && (dataPte & PageTableEntry.Writable) != 0 && (dataPte & PageTableEntry.NoExecute) != 0;
        return CheckReport.Check("image-protections", ok);
    }
}
