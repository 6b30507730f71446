using Unikernel.Core.Memory;
using Unikernel.Core.Paravirt;
using Unikernel.Xen;

// W^X as Linux's CONFIG_DEBUG_WX checks it: walk every page table the guest owns and count the pages that are
// both writable and executable (write permission at every level, no NX at any). Must be none after boot.
internal static unsafe class WxChecks
{
    private const int XenFirstSlot = 256, XenLastSlot = 271; // L4 slots Xen keeps for itself (arch-x86/xen-x86_64.h)

    public static int Run()
    {
        ulong writableExecutable = 0, executable = 0, mapped = 0, firstWx = 0;
        ulong root = Paravirt.Ops.ReadCr3() & PageTableEntry.FrameMask;
        ulong* l4 = Table(root);
        for (int i4 = 0; i4 < PageTableEntry.EntriesPerTable; i4++)
        {
            if (i4 >= XenFirstSlot && i4 <= XenLastSlot) continue;
            ulong e4 = l4[i4];
            if (!PageTableEntry.IsPresent(e4)) continue;
            ulong* l3 = Table(e4 & PageTableEntry.FrameMask);
            for (int i3 = 0; i3 < PageTableEntry.EntriesPerTable; i3++)
            {
                ulong e3 = l3[i3];
                if (!PageTableEntry.IsPresent(e3)) continue;
                ulong* l2 = Table(e3 & PageTableEntry.FrameMask);
                for (int i2 = 0; i2 < PageTableEntry.EntriesPerTable; i2++)
                {
                    ulong e2 = l2[i2];
                    if (!PageTableEntry.IsPresent(e2) || (e2 & PageTableEntry.LargePage) != 0) continue;
                    ulong* l1 = Table(e2 & PageTableEntry.FrameMask);
                    for (int i1 = 0; i1 < PageTableEntry.EntriesPerTable; i1++)
                    {
                        ulong e1 = l1[i1];
                        if (!PageTableEntry.IsPresent(e1)) continue;
                        mapped++;
                        bool writable = (e4 & e3 & e2 & e1 & PageTableEntry.Writable) != 0;
                        bool noExecute = ((e4 | e3 | e2 | e1) & PageTableEntry.NoExecute) != 0;
                        if (noExecute) continue;
                        executable++;
                        if (!writable) continue;
                        if (writableExecutable++ == 0)
                            firstWx = ((ulong)i4 << 39) | ((ulong)i3 << 30) | ((ulong)i2 << 21) | ((ulong)i1 << 12);
                    }
                }
            }
        }
        Unikernel.Console.WriteLine($"wx: mapped={mapped} executable={executable} writable+executable={writableExecutable} first=0x{firstWx:x}");
        // More than one leaf table's worth mapped: the walk saw the start-of-day mapping, not nothing.
        int failures = CheckReport.Check("no-writable-executable-page", writableExecutable == 0 && mapped > PageTableEntry.EntriesPerTable);
        // String literals on pages of their own are read-only (only the edges of their run may share a page).
        ulong* literals = LinearMap.ReadOnlyLiterals();
        ulong literal;
        fixed (char* text = "a string literal that lives with the other literals") literal = (ulong)text;
        ulong* pte = PageTableWalk.FindPte(literal);
        bool literalReadOnly = literal < literals[0] || literal >= literals[1] || (*pte & PageTableEntry.Writable) == 0;
        Unikernel.Console.WriteLine($"wx: read-only literal pages={(literals[1] - literals[0]) / 4096}");
        failures += CheckReport.Check("string-literals-read-only", literals[1] > literals[0] && literalReadOnly);
        failures += CheckReport.Check("executable-is-the-text", executable > 0 && executable * AddressTranslation.PageSize <= (ulong)LinearMap.RodataStart() - (ulong)LinearMap.ImageStart());
        Unikernel.Console.WriteLine($"wx: {failures} failed");
        return failures;
    }

    private static ulong* Table(ulong machineAddress) => (ulong*)AddressTranslation.MachineFrameToVirtual(machineAddress >> 12);
}
