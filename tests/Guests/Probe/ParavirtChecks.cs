using Unikernel.Core.Memory;
using System;
using Unikernel.Core.Paravirt;
using Unikernel.Xen;

// The MMU, halt and CPUID entries of the installed ops table, against real Xen.
internal static unsafe class ParavirtChecks
{
    public static int Run()
    {
        int failures = 0;
        failures += CpuidChecks();
        failures += SetPteChecks();
        failures += Cr3Checks();
        failures += SafeHaltChecks();
        XenConsole.WriteLine(failures == 0 ? "paravirt: 0 failed" : "paravirt: FAILED");
        return failures;
    }

    private static int CpuidChecks()
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        int failures = 0;
        // Xen's own leaves are only visible through its emulation, which the table uses.
        CpuidResult xen;
        ops.Cpuid(0x40000000, 0, &xen);
        failures += CheckReport.Check("cpuid-xen-signature", Is(xen.Ebx, "XenV") && Is(xen.Ecx, "MMXe") && Is(xen.Edx, "nVMM") && xen.Eax >= 0x40000002);

        CpuidResult native, filtered;
        Cpu.NativeCpuid(1, &native);
        ops.Cpuid(1, 0, &filtered);
        bool nativeHasSome = (native.Edx & CpuidFilter.HiddenLeaf1Edx) != 0;
        bool hidden = (filtered.Ecx & CpuidFilter.HiddenLeaf1Ecx) == 0 && (filtered.Edx & CpuidFilter.HiddenLeaf1Edx) == 0;
        // SSE2 is there either way: the filter takes only what it must.
        failures += CheckReport.Check("cpuid-filter-hides-pv-unsafe-features", nativeHasSome && hidden && (filtered.Edx & (1u << 26)) != 0);
        return failures;
    }

    private static bool Is(uint register, string text) =>
        (byte)register == text[0] && (byte)(register >> 8) == text[1] && (byte)(register >> 16) == text[2] && (byte)(register >> 24) == text[3];

    // Point page A's entry at page B's frame: A then reads B's bytes. Put it back and A is A again.
    private static int SetPteChecks()
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        byte* a = Cpu.TwoPages(), b = a + AddressTranslation.PageSize;
        a[0] = 0xAA;
        b[0] = 0xBB;
        ulong* entry = PageTableWalk.FindPte((ulong)a);
        if (entry == null) return CheckReport.Check("set-pte-finds-entry", false);
        ulong original = *entry;
        bool pointsAtA = (original & PageTableEntry.FrameMask) == (AddressTranslation.VirtualToMachine((ulong)a) & PageTableEntry.FrameMask);

        ops.SetPte(entry, (original & ~PageTableEntry.FrameMask) | (AddressTranslation.VirtualToMachine((ulong)b) & PageTableEntry.FrameMask));
        ops.FlushTlbSingle((ulong)a);
        bool aliased = a[0] == 0xBB;
        a[1] = 0x11; // lands in B's frame
        bool sharedWrite = b[1] == 0x11;

        ops.SetPte(entry, original);
        ops.FlushTlbAll();
        bool restored = a[0] == 0xAA && *entry == original;
        return CheckReport.Check("set-pte-remaps-and-restores", pointsAtA && aliased && sharedWrite && restored);
    }

    // Loading the current root again is accepted and leaves every mapping as it was.
    private static int Cr3Checks()
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        ulong root = ops.ReadCr3();
        byte* a = Cpu.TwoPages();
        a[2] = 0x5A;
        ops.WriteCr3(root);
        return CheckReport.Check("write-cr3", ops.ReadCr3() == root && a[2] == 0x5A && root != 0 && (root & 0xfff) == 0);
    }

    // safe_halt entered with events masked wakes on the timer and comes back with events enabled.
    private static int SafeHaltChecks()
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        ulong fired = 0;
        VcpuTimer.StartAfter(1_000_000, &Set, (ulong)&fired);
        ops.IrqDisable();
        while (true)
        {
            ops.IrqDisable();
            if (fired != 0) break;
            ops.SafeHalt();
        }
        ops.IrqEnable();
        return CheckReport.Check("safe-halt-wakes-on-timer", fired == 1 && ops.SaveFlags() == Paravirt.InterruptFlag);
    }

    private static void Set(ulong address) => *(ulong*)address += 1;
}
