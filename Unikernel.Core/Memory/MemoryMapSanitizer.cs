using System;

namespace Unikernel.Core.Memory
{
    // Turns the raw e820 list from the hypervisor into a sorted, non-overlapping map, like Linux's
    // e820__update_table (arch/x86/kernel/e820.c), then trims RAM to whole pages.
    public static class MemoryMapSanitizer
    {
        // Rejects what cannot be trusted before anything reads it. badIndex names the offending entry (-1 if none).
        public static MemoryStatus Validate(ReadOnlySpan<MemoryRegion> buffer, uint reportedCount, int addressBits, out int badIndex)
        {
            badIndex = -1;
            if (reportedCount > (uint)buffer.Length) return MemoryStatus.TooManyEntries;
            if (reportedCount == 0) return MemoryStatus.NoEntries;
            if (addressBits < 1 || addressBits > 63) throw new ArgumentOutOfRangeException(nameof(addressBits), "address width must be 1..63 bits");
            ulong limit = 1UL << addressBits;
            for (int i = 0; i < (int)reportedCount; i++)
            {
                ref readonly MemoryRegion entry = ref buffer[i];
                badIndex = i;
                if (entry.Size > ulong.MaxValue - entry.Address) return MemoryStatus.SizeOverflow;
                if (entry.Address + entry.Size > limit) return MemoryStatus.BeyondAddressWidth;
            }
            badIndex = -1;
            return MemoryStatus.Ok;
        }

        // Writes the sanitized map of validated entries into output. Where entries overlap the higher
        // (more restrictive) type wins; adjacent entries of one type merge; empty ones vanish. RAM is then
        // shrunk inward to page boundaries and dropped if less than a page remains.
        // Sweeps boundary to boundary: O(n^2) for n entries, with no scratch memory (n is at most a few hundred).
        // Input must have passed Validate (no wrapping ends); entries of size 0 or type 0 mean nothing and are skipped.
        public static MemoryStatus Sanitize(ReadOnlySpan<MemoryRegion> input, bool unusableAsRam, Span<MemoryRegion> output, out int count)
        {
            count = 0;
            bool any = false;
            ulong position = ulong.MaxValue;
            for (int i = 0; i < input.Length; i++)
            {
                if (input[i].Size == 0 || input[i].Type == 0) continue;
                any = true;
                if (input[i].Address < position) position = input[i].Address;
            }
            if (!any) return MemoryStatus.NoEntries;

            while (true)
            {
                ulong next = ulong.MaxValue;
                uint type = 0;
                for (int i = 0; i < input.Length; i++)
                {
                    ref readonly MemoryRegion entry = ref input[i];
                    if (entry.Size == 0 || entry.Type == 0) continue;
                    ulong start = entry.Address, end = entry.End;
                    if (start > position)
                    {
                        if (start < next) next = start;
                    }
                    else if (end > position)
                    {
                        uint t = (uint)EffectiveType(entry.Type, unusableAsRam);
                        if (t > type) type = t;
                        if (end < next) next = end;
                    }
                }
                if (next == ulong.MaxValue) break; // nothing starts or ends beyond position

                if (type != 0)
                {
                    if (count > 0 && output[count - 1].End == position && (uint)output[count - 1].Type == type)
                        output[count - 1].Size += next - position;
                    else
                    {
                        if (count == output.Length) return MemoryStatus.OutputFull;
                        output[count++] = new MemoryRegion(position, next - position, (MemoryType)type);
                    }
                }
                position = next;
            }

            count = AlignRamToPages(output.Slice(0, count));
            return MemoryStatus.Ok;
        }

        // Shrinks each RAM entry to the whole pages inside it, drops the ones left empty, and compacts.
        public static int AlignRamToPages(Span<MemoryRegion> entries)
        {
            int kept = 0;
            for (int i = 0; i < entries.Length; i++)
            {
                MemoryRegion entry = entries[i];
                if (entry.Type == MemoryType.Ram)
                {
                    ulong start = Page.AlignUp(entry.Address);
                    ulong end = Page.AlignDown(entry.End);
                    if (end <= start) continue;
                    entry.Address = start;
                    entry.Size = end - start;
                }
                entries[kept++] = entry;
            }
            return kept;
        }

        private static MemoryType EffectiveType(MemoryType type, bool unusableAsRam) =>
            unusableAsRam && type == MemoryType.Unusable ? MemoryType.Ram : type;
    }
}
