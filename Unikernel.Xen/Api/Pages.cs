namespace Unikernel
{
    /// <summary>
    /// Memory in 4 KiB pages, for buffers and tables that outlive a call. All of the domain's RAM left after
    /// boot is here, plus what Xen may still give (balloon space up to the maximum reservation). Pages are
    /// mapped, writable, and not zeroed. (Objects made with <c>new</c> come from pages taken from here too, which
    /// are never freed.)
    /// </summary>
    public static unsafe class Pages
    {
        /// <summary>The size of a page in bytes.</summary>
        public const int Size = 4096;

        /// <summary>Pages free now, not counting what Xen may still give on demand.</summary>
        public static ulong FreeCount => Xen.FramePool.FreePageCount;

        /// <summary>One page, or null when memory is exhausted.</summary>
        public static void* Allocate() => Xen.FramePool.AllocatePage();

        /// <summary><paramref name="count"/> contiguous pages, or null when there is no such run (and for a count of 0).</summary>
        public static void* Allocate(ulong count) => count == 0 ? null : Xen.FramePool.AllocatePages(count);

        /// <summary>Gives back one page from <see cref="Allocate()"/>. Freeing twice, or what was not allocated, is fatal.</summary>
        public static void Free(void* page) => Xen.FramePool.FreePage(page);

        /// <summary>
        /// Gives back <paramref name="count"/> pages starting at <paramref name="first"/>, as allocated; a count
        /// of 0 gives back nothing. Freeing twice, or what was not allocated, is fatal and names the address.
        /// </summary>
        public static void Free(void* first, ulong count)
        {
            if (count != 0) Xen.FramePool.FreePages(first, count);
        }
    }
}
