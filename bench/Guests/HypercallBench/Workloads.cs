using Unikernel.Core.Paravirt;
using Unikernel.Xen;
using Unikernel.Xen.Abi;

// The work timed: n operations of one kind, issued one of four ways.
//   direct    one hypercall per operation (no queue involved)
//   multicall batches of `batch` separate entries, one HYPERVISOR_multicall each (a batch of one is direct)
//   lazy      the ops table's SetPte inside lazy MMU sections of `batch` updates: coalesced into one
//             mmu_update array entry per section, as Linux does
//   native    one hypercall carrying the whole array of n (Xen's own batching: the floor)
internal static unsafe class Workloads
{
    // Hypercalls made outside Multicalls (whose own count is Multicalls.HypervisorEntries).
    public static ulong DirectEntries;

    public static void MmuUpdateDirect(int n, int batch)
    {
        for (int i = 0; i < n; i++)
        {
            Panic.Check(Hypercall.MmuUpdate(BenchArea.Requests + i, 1, null), "mmu_update");
            DirectEntries++;
        }
    }

    // The per-op loops keep the arrays and the section's end in locals: the loop's own instructions
    // count in every figure, and should be as few as a caller's would be.
    public static void MmuUpdateMulticall(int n, int batch)
    {
        MmuUpdate* requests = BenchArea.Requests;
        for (int i = 0; i < n; i += batch)
        {
            int end = n - i < batch ? n : i + batch;
            Multicalls.EnterLazy();
            for (int j = i; j < end; j++) Multicalls.QueueMmuUpdate(requests[j].Ptr, requests[j].Val, coalesce: false);
            Multicalls.LeaveLazy();
        }
    }

    // Through the ops table for every call, as a caller in the core would.
    public static void MmuUpdateLazy(int n, int batch)
    {
        ref readonly ParavirtOps ops = ref Paravirt.Ops;
        BenchArea.PteWrite* write = BenchArea.PteWrites, last = write + n;
        while (write < last)
        {
            BenchArea.PteWrite* end = last - write < batch ? last : write + batch;
            ops.EnterLazyMmu();
            for (; write < end; write++) ops.SetPte(write->Pte, write->Value);
            ops.LeaveLazyMmu();
        }
    }

    // Xen's own batching: one mmu_update hypercall per `batch` requests (batch = n: all in one call, the floor).
    public static void MmuUpdateNative(int n, int batch)
    {
        for (int i = 0; i < n; i += batch)
        {
            uint count = (uint)(n - i < batch ? n - i : batch);
            Panic.Check(Hypercall.MmuUpdate(BenchArea.Requests + i, count, null), "mmu_update(array)");
            DirectEntries++;
        }
    }

    // update_va_mapping with flags 0: the same validation as mmu_update, addressed by virtual address.
    public static void UpdateVaMappingDirect(int n, int batch)
    {
        for (int i = 0; i < n; i++)
        {
            Panic.Check(Hypercall.UpdateVaMapping(BenchArea.Page(i), BenchArea.PteValue[i], 0), "update_va_mapping");
            DirectEntries++;
        }
    }

    public static void UpdateVaMappingMulticall(int n, int batch)
    {
        for (int i = 0; i < n; i += batch)
        {
            Multicalls.EnterLazy();
            for (int j = i; j < i + batch && j < n; j++) Multicalls.QueueUpdateVaMapping(BenchArea.Page(j), BenchArea.PteValue[j], 0);
            Multicalls.LeaveLazy();
        }
    }

    public static void InvlpgDirect(int n, int batch)
    {
        for (int i = 0; i < n; i++)
        {
            Panic.Check(Hypercall.MmuextOp(BenchArea.Flushes + i, 1, null), "mmuext_op(invlpg_local)");
            DirectEntries++;
        }
    }

    public static void InvlpgMulticall(int n, int batch)
    {
        for (int i = 0; i < n; i += batch)
        {
            Multicalls.EnterLazy();
            for (int j = i; j < i + batch && j < n; j++)
                Multicalls.QueueMmuextOp(MmuextOp.InvlpgLocal, BenchArea.Page(j), coalesce: false);
            Multicalls.LeaveLazy();
        }
    }

    public static void InvlpgNative(int n, int batch)
    {
        Panic.Check(Hypercall.MmuextOp(BenchArea.Flushes, (uint)n, null), "mmuext_op(invlpg_local array)");
        DirectEntries++;
    }

    public static void XenVersionDirect(int n, int batch)
    {
        for (int i = 0; i < n; i++)
        {
            Panic.Check(Hypercall.XenVersion(XenConstants.XenVerVersion, null), "xen_version");
            DirectEntries++;
        }
    }

    public static void XenVersionMulticall(int n, int batch)
    {
        for (int i = 0; i < n; i += batch)
        {
            Multicalls.EnterLazy();
            for (int j = i; j < i + batch && j < n; j++) Multicalls.QueueXenVersion(XenConstants.XenVerVersion);
            Multicalls.LeaveLazy();
        }
    }
}
