namespace Unikernel.Core.Memory
{
    // A run of page frames [Start, Start + Count).
    public struct PfnRange
    {
        public ulong Start;
        public ulong Count;

        public PfnRange(ulong start, ulong count)
        {
            Start = start;
            Count = count;
        }

        public ulong End => Start + Count;

        public bool Contains(ulong pfn) => pfn >= Start && pfn - Start < Count;
    }
}
