using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // Xen's own batching for page-table and M2P writes: one mmu_update hypercall carries an array of
    // updates. Updates queue here and go out when the array is full or on Flush; a short count is fatal,
    // naming the failed update.
    internal unsafe struct MmuUpdateBatch
    {
        public const int Capacity = 128;

        private fixed ulong _updates[Capacity * 2]; // MmuUpdate[Capacity]
        private int _count;
        private ulong _hypercalls;

        public ulong Hypercalls => _hypercalls;

        // A page-table entry, by the machine address of the entry.
        public void SetEntry(ulong entryMachineAddress, ulong value) => Add(entryMachineAddress | MmuUpdate.NormalPtUpdate, value);

        // The M2P entry of a machine frame (MMU_MACHPHYS_UPDATE).
        public void SetMachineToPhysical(ulong mfn, ulong pfn) => Add((mfn << XenConstants.PageShift) | MmuUpdate.MachPhysUpdate, pfn);

        private void Add(ulong ptr, ulong value)
        {
            if (_count == Capacity) Flush();
            _updates[_count * 2] = ptr;
            _updates[_count * 2 + 1] = value;
            _count++;
        }

        public void Flush()
        {
            if (_count == 0) return;
            uint done = 0;
            long rc;
            fixed (ulong* updates = _updates) rc = Hypercall.MmuUpdate((MmuUpdate*)updates, (uint)_count, &done);
            _hypercalls++;
            if (rc < 0 || done != (uint)_count)
            {
                System.Span<char> buffer = stackalloc char[160];
                var text = new Core.Text.TextBuilder(buffer);
                text.Append("mmu_update of ");
                text.Append(_count);
                text.Append(" entries stopped at ");
                text.Append(done);
                text.Append(" (ptr=");
                text.AppendHex(done < (uint)_count ? _updates[done * 2] : 0);
                text.Append(" val=");
                text.AppendHex(done < (uint)_count ? _updates[done * 2 + 1] : 0);
                text.Append(")");
                Panic.HypercallFailed(text.Text, rc < 0 ? rc : XenError.EINVAL);
            }
            _count = 0;
        }
    }
}
