namespace Unikernel.Core.Batching
{
    // Everything a batch queue keeps until its flush: the entry slots, the argument space that queued
    // entries point into, and one optional completion callback per slot. Fixed-size and unmanaged so
    // it can live in a static of the guest image (or native memory on the host); it must not move
    // while entries are queued, since the entries point into its argument space.
    public unsafe struct BatchStorage
    {
        public const int EntryCapacity = 32;              // MC_BATCH, arch/x86/xen/multicalls.c
        public const int ArgumentBytes = EntryCapacity * 16; // MC_ARGS (bytes), arch/x86/xen/multicalls.c
        public const int ArgumentAlignment = 8;           // each new argument array starts on a 64-bit boundary

        // Entry slots as raw words: C# has no fixed buffers of structs; BatchQueue views them as BatchEntry.
        internal fixed ulong EntryWords[EntryCapacity * BatchEntry.SizeInWords];
        internal fixed byte Arguments[ArgumentBytes];
        // Completion callbacks, a delegate*<ulong, long, void> stored as its address (0 = none), and their data.
        internal fixed ulong CallbackFunctions[EntryCapacity];
        internal fixed ulong CallbackData[EntryCapacity];
    }
}
