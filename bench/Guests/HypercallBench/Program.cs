using Unikernel.Xen;

// Hypercall batching benchmark (bench/README.md): each operation unbatched, through multicalls of 1..32
// entries, coalesced in lazy MMU mode where Linux does that, and as one native array (the floor), for
// N = 1, 16, 256 and 4096 operations.
internal static unsafe class Program
{
    public static int Main()
    {
        BenchArea.Initialize();
        XenConsole.WriteLine("bench-begin hypercallbench");
        int* sizes = stackalloc int[] { 1, 16, 256, 4096 };
        int* batches = stackalloc int[] { 1, 2, 4, 8, 16, 32 };
        for (int s = 0; s < 4; s++)
        {
            int n = sizes[s];
            Measurement.Run("mmu_update", "direct", 1, n, &Workloads.MmuUpdateDirect);
            for (int b = 0; b < 6; b++) Measurement.Run("mmu_update", "multicall", batches[b], n, &Workloads.MmuUpdateMulticall);
            for (int b = 0; b < 6; b++) Measurement.Run("mmu_update", "lazy", batches[b], n, &Workloads.MmuUpdateLazy);
            // Xen's own array batching at the same batch sizes, then all n in one call.
            for (int b = 0; b < 6; b++) if (batches[b] < n) Measurement.Run("mmu_update", "native", batches[b], n, &Workloads.MmuUpdateNative);
            Measurement.Run("mmu_update", "native", n, n, &Workloads.MmuUpdateNative);

            Measurement.Run("update_va_mapping", "direct", 1, n, &Workloads.UpdateVaMappingDirect);
            for (int b = 0; b < 6; b++) Measurement.Run("update_va_mapping", "multicall", batches[b], n, &Workloads.UpdateVaMappingMulticall);

            Measurement.Run("invlpg_local", "direct", 1, n, &Workloads.InvlpgDirect);
            for (int b = 0; b < 6; b++) Measurement.Run("invlpg_local", "multicall", batches[b], n, &Workloads.InvlpgMulticall);
            Measurement.Run("invlpg_local", "native", n, n, &Workloads.InvlpgNative);

            Measurement.Run("xen_version", "direct", 1, n, &Workloads.XenVersionDirect);
            for (int b = 0; b < 6; b++) Measurement.Run("xen_version", "multicall", batches[b], n, &Workloads.XenVersionMulticall);
        }
        XenConsole.WriteLine("bench-end hypercallbench");
        return 0;
    }
}
