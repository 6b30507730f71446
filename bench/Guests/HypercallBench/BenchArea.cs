using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Xen;
using Unikernel.Xen.Abi;

// The benchmark's working set: MaxOps pages of .bss (bench.S) and, for each, the machine address of its
// PTE, the PTE's value and an mmu_update request rewriting it with that same value. Each operation thus
// makes Xen validate and write a live entry without changing any mapping, on every path alike.
internal static unsafe class BenchArea
{
    public const int MaxOps = 4096;

    public static byte* Pages;
    public static ulong** PteVirtual;  // page i's PTE
    public static PteWrite* PteWrites; // { PteVirtual[i], PteValue[i] }: the ops table's SetPte arguments
    public static ulong* PteMachine;   // machine address of page i's PTE (mmu_update's ptr)
    public static ulong* PteValue;     // its current value
    public static MmuUpdate* Requests; // { PteMachine[i], PteValue[i] }: the native array
    public static MmuextOp* Flushes;   // MMUEXT_INVLPG_LOCAL of page i: the native array

    public static void Initialize()
    {
        Pages = AreaAddress();
        PteVirtual = (ulong**)Alloc(MaxOps * 8);
        PteMachine = (ulong*)Alloc(MaxOps * 8);
        PteValue = (ulong*)Alloc(MaxOps * 8);
        PteWrites = (PteWrite*)Alloc(MaxOps * sizeof(PteWrite));
        Requests = (MmuUpdate*)Alloc(MaxOps * sizeof(MmuUpdate));
        Flushes = (MmuextOp*)Alloc(MaxOps * sizeof(MmuextOp));
        for (int i = 0; i < MaxOps; i++)
        {
            ulong page = Page(i);
            *(byte*)page = (byte)i; // touch it, so the entry is live and accessed
            ulong* pte = PageTableWalk.FindPte(page);
            if (pte == null) Panic.Fail("bench: a page of the area has no 4 KiB PTE");
            PteVirtual[i] = pte;
            PteMachine[i] = AddressTranslation.VirtualToMachine((ulong)pte);
            PteValue[i] = *pte;
            PteWrites[i] = new PteWrite { Pte = pte, Value = *pte };
            Requests[i] = new MmuUpdate { Ptr = PteMachine[i] | MmuUpdate.NormalPtUpdate, Val = PteValue[i] };
            Flushes[i] = new MmuextOp { Cmd = MmuextOp.InvlpgLocal, Arg1 = page };
        }
    }

    public struct PteWrite
    {
        public ulong* Pte;
        public ulong Value;
    }

    public static ulong Page(int i) => (ulong)Pages + (ulong)i * AddressTranslation.PageSize;

    private static void* Alloc(int bytes)
    {
        var block = new byte[bytes];
        fixed (byte* p = block) return p; // the heap never moves or frees
    }

    [RuntimeImport("bench_area_address")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern byte* AreaAddress();
}
