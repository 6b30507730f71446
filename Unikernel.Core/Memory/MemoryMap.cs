using System;

namespace Unikernel.Core.Memory
{
    // A sanitized e820 map: sorted, non-overlapping, RAM page-aligned. A view over caller storage.
    public readonly ref struct MemoryMap
    {
        private readonly ReadOnlySpan<MemoryRegion> _entries;

        // Wraps entries that are already sanitized (e.g. the output of Build).
        public MemoryMap(ReadOnlySpan<MemoryRegion> entries) => _entries = entries;

        public int Count => _entries.Length;

        public ReadOnlySpan<MemoryRegion> Entries => _entries;

        public ref readonly MemoryRegion this[int index] => ref _entries[index];

        public ulong EndAddress => _entries.Length == 0 ? 0 : _entries[_entries.Length - 1].End;

        // Validates the first reportedCount entries of the hypervisor's buffer and sanitizes them into storage.
        public static MemoryStatus Build(ReadOnlySpan<MemoryRegion> raw, uint reportedCount, scoped in MemoryMapOptions options,
            Span<MemoryRegion> storage, out MemoryMap map, out int badIndex)
        {
            map = default;
            MemoryStatus status = MemoryMapSanitizer.Validate(raw, reportedCount, options.AddressBits, out badIndex);
            if (status != MemoryStatus.Ok) return status;
            status = MemoryMapSanitizer.Sanitize(raw.Slice(0, (int)reportedCount), options.UnusableAsRam, storage, out int count);
            if (status != MemoryStatus.Ok) return status;
            map = new MemoryMap(storage.Slice(0, count));
            return MemoryStatus.Ok;
        }

        // True if [address, address + size) lies inside one RAM entry: the inverse of Linux's
        // xen_is_e820_reserved (arch/x86/xen/setup.c). An empty range is always usable.
        public bool IsRam(ulong address, ulong size)
        {
            if (size == 0) return true;
            if (size > ulong.MaxValue - address) return false;
            ulong end = address + size;
            for (int i = 0; i < _entries.Length; i++)
            {
                ref readonly MemoryRegion entry = ref _entries[i];
                if (entry.Type == MemoryType.Ram && entry.Address <= address && entry.End >= end) return true;
            }
            return false;
        }

        public bool IsRamPfn(ulong pfn) => IsRam(Page.ToAddress(pfn), Page.Size);

        public ulong RamPages()
        {
            ulong pages = 0;
            for (int i = 0; i < _entries.Length; i++)
                if (_entries[i].Type == MemoryType.Ram) pages += _entries[i].Size >> Page.Shift;
            return pages;
        }
    }
}
