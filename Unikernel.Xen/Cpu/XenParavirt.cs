using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The Xen implementation of the paravirt ops table: event masking on vcpu_info[0] in shared_info, cr2
    // from vcpu_info.arch.cr2, halting with SCHEDOP_block, the MMU through mmu_update and mmuext_op, and
    // CPUID through Xen's emulation with Linux's feature filter. In lazy MMU mode SetPte queues its
    // mmu_update on Multicalls (coalesced into one array entry); every direct MMU hypercall (Hypercall's
    // wrappers) issues what is queued first, so Xen sees the updates in program order.
    internal static unsafe class XenParavirt
    {
        // vcpu_info starts with evtchn_upcall_pending then evtchn_upcall_mask: the core's EventFlags.
        private static EventFlags* Flags => (EventFlags*)&SharedInfoPage.Page->Vcpu0;

        private static ulong s_cr3; // machine address of the current top-level table

        internal static void Install(StartInfo* startInfo)
        {
            s_cr3 = AddressTranslation.VirtualToMachine(startInfo->PtBase);
            Paravirt.Install(new ParavirtOps
            {
                IrqDisable = &IrqDisable,
                IrqEnable = &IrqEnable,
                SaveFlags = &SaveFlags,
                RestoreFlags = &RestoreFlags,
                SafeHalt = &SafeHalt,
                Halt = &Halt,
                ReadCr2 = &ReadCr2,
                ReadCr3 = &ReadCr3,
                WriteCr3 = &WriteCr3,
                FlushTlbSingle = &FlushTlbSingle,
                FlushTlbAll = &FlushTlbAll,
                SetPte = &SetPte,
                EnterLazyMmu = &EnterLazyMmu,
                LeaveLazyMmu = &LeaveLazyMmu,
                Cpuid = &Cpuid,
            });
        }

        // Any hypercall makes Xen deliver pending events on the way out; Linux uses xen_version(0) too.
        private static void ForceCallback() => Hypercall.XenVersion(XenConstants.XenVerVersion, null);

        private static void IrqDisable() => EventMask.Disable(Flags);
        private static void IrqEnable() => EventMask.Enable(Flags, &ForceCallback);
        private static ulong SaveFlags() => EventMask.SaveFlags(Flags);
        private static void RestoreFlags(ulong flags) => EventMask.Restore(Flags, flags, &ForceCallback);

        // SCHEDOP_block unmasks events and checks for pending ones atomically with blocking.
        private static void SafeHalt() => Idle.Block();

        // Blocking with events masked would be woken by nothing we could handle: a single-vCPU guest would
        // hang silently, so it is an error (Linux takes the vCPU down instead).
        private static void Halt()
        {
            if (EventMask.SaveFlags(Flags) == 0) Panic.Fail("halt with events masked would never wake");
            Idle.Block();
        }

        private static ulong ReadCr2() => SharedInfoPage.Page->Vcpu0.Cr2;
        private static ulong ReadCr3() => s_cr3;

        // Called after something else (a batched context switch) loaded a new root.
        internal static void RootChanged(ulong machineAddress) => s_cr3 = machineAddress;

        private static void WriteCr3(ulong machineAddress)
        {
            var op = new MmuextOp { Cmd = MmuextOp.NewBasePtr, Arg1 = machineAddress >> XenConstants.PageShift };
            Panic.Check(Hypercall.MmuextOp(&op, 1, null), "mmuext_op(new_baseptr)");
            s_cr3 = machineAddress;
        }

        private static void FlushTlbSingle(ulong virtualAddress)
        {
            var op = new MmuextOp { Cmd = MmuextOp.InvlpgLocal, Arg1 = virtualAddress };
            Panic.Check(Hypercall.MmuextOp(&op, 1, null), "mmuext_op(invlpg_local)");
        }

        private static void FlushTlbAll()
        {
            var op = new MmuextOp { Cmd = MmuextOp.TlbFlushLocal };
            Panic.Check(Hypercall.MmuextOp(&op, 1, null), "mmuext_op(tlb_flush_local)");
        }

        // Page-table pages are read-only to a PV guest: Xen validates and writes the entry. The lazy path
        // (one more request on the open mmu_update array) is inlined and makes no call, so SetPte stays a
        // leaf; starting a new array entry or a direct update goes out of line.
        private static void SetPte(ulong* entry, ulong value)
        {
            ulong ptr = AddressTranslation.VirtualToMachine((ulong)entry) | MmuUpdate.NormalPtUpdate;
            if (Multicalls.TryAppendLazyMmuUpdate(ptr, value)) return;
            SetPteUncoalesced(ptr, value);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void SetPteUncoalesced(ulong ptr, ulong value)
        {
            if (Multicalls.IsLazy)
            {
                Multicalls.QueueMmuUpdateEntry(ptr, value);
                return;
            }
            var update = new MmuUpdate { Ptr = ptr, Val = value };
            Panic.Check(Hypercall.MmuUpdate(&update, 1, null), "mmu_update(normal_pt_update)");
        }

        private static void EnterLazyMmu() => Multicalls.EnterLazy();
        private static void LeaveLazyMmu() => Multicalls.LeaveLazy();

        private static void Cpuid(uint leaf, uint subleaf, CpuidResult* result)
        {
            XenCpuid(leaf, subleaf, result);
            CpuidFilter.Apply(leaf, ref *result);
        }

        [RuntimeImport("uk_xen_cpuid")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void XenCpuid(uint leaf, uint subleaf, CpuidResult* result);
    }
}
