using System;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime
{
    // Allocation policy: there is no GC. `new` of a class or array is a bump allocation that is never freed.
    // Until the platform has its page allocator (statics are set up before memory is), allocations come from
    // a one-page boot arena; after that from pages taken on demand, in runs of at least ChunkPages, so an
    // application that never calls `new` pays no RAM for a heap. UnikernelHeapSize caps the total; running
    // out is fatal and says how much was asked for. Long-lived state belongs in statics and structs.
    public static unsafe class Heap
    {
        private const int PageSize = 4096;
        private const nuint ChunkPages = 4;
        private const int BootArenaBytes = PageSize;

        private struct BootArena { public fixed byte Bytes[BootArenaBytes]; }

        private static BootArena s_bootArena; // .bss: arrives zeroed
        private static byte* s_next;
        private static byte* s_end;
        private static nuint s_used;
        private static delegate*<nuint, void*> s_allocatePages;

        /// <summary>Bytes handed out by `new` so far (the boot arena included).</summary>
        public static nuint Used => s_used;

        /// <summary>The most `new` may hand out in total (UnikernelHeapSize).</summary>
        public static nuint Limit => (nuint)HeapLimit();

        // The platform's page allocator (pages mapped, not zeroed; null when none are left).
        public static void UsePages(delegate*<nuint, void*> allocatePages) => s_allocatePages = allocatePages;

        public static void* Allocate(nuint size)
        {
            if (s_next == null)
            {
                fixed (byte* arena = s_bootArena.Bytes) { s_next = arena; s_end = arena + BootArenaBytes; }
            }
            size = (size + 7) & ~(nuint)7;
            if (size > Limit - s_used)
                Fatal.Fail("out of heap memory: raise UnikernelHeapSize (", Number.Format(size, stackalloc char[20]), " bytes asked)");
            if (size > (nuint)(s_end - s_next)) Refill(size);
            byte* result = s_next;
            s_next += size;
            s_used += size;
            return result;
        }

        // A new run of zeroed pages; one that starts where the current run ends extends it.
        private static void Refill(nuint size)
        {
            if (s_allocatePages == null)
                Fatal.Fail("out of heap memory before memory setup: static initialisation asked for more than the boot arena (", Number.Format(size, stackalloc char[20]), " bytes asked)");
            nuint pages = (size + PageSize - 1) / PageSize;
            if (pages < ChunkPages) pages = ChunkPages;
            var run = (byte*)s_allocatePages(pages);
            if (run == null) Fatal.Fail("out of heap memory: no free pages for `new` (", Number.Format(size, stackalloc char[20]), " bytes asked)");
            for (nuint i = 0; i < pages * PageSize; i += 8) *(ulong*)(run + i) = 0;
            if (run != s_end) s_next = run;
            s_end = run + pages * PageSize;
        }

        // An object of the given type: its MethodTable pointer set, the rest zero.
        internal static MethodTable** AllocateObject(MethodTable* type, nuint size)
        {
            var obj = (MethodTable**)Allocate(size);
            *obj = type;
            return obj;
        }

        [RuntimeImport("uk_heap_limit")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* HeapLimit();
    }
    // The runtime entry points ilc emits calls to for `new`, reference stores and `throw`.
    internal static unsafe class RuntimeExports
    {
        [RuntimeExport("RhpNewFast")]
        private static void* RhpNewFast(MethodTable* type)
        {
            return Heap.AllocateObject(type, type->BaseSize);
        }

        [RuntimeExport("RhpNewArrayFast")]
        private static void* RhpNewArrayFast(MethodTable* type, int length)
        {
            if (length < 0) Fatal.Fail("negative array length");
            var obj = Heap.AllocateObject(type, type->BaseSize + (nuint)length * type->ComponentSize);
            *(int*)(obj + 1) = length;
            return obj;
        }

        [RuntimeExport("RhpNewPtrArrayFast")]
        private static void* RhpNewPtrArrayFast(MethodTable* type, int length) => RhpNewArrayFast(type, length);

        [RuntimeExport("RhpThrowEx")]
        private static void RhpThrowEx(Exception exception) =>
            Fatal.Fail("unhandled exception: ", exception == null ? "null" : exception.Message);

        [RuntimeExport("RhpFallbackFailFast")]
        private static void RhpFallbackFailFast() => Fatal.Fail("stack buffer overrun detected");
    }

    // Just enough number formatting for fatal messages, which cannot depend on anything above the corlib.
    internal static class Number
    {
        internal static ReadOnlySpan<char> Format(nuint value, Span<char> buffer)
        {
            int i = buffer.Length;
            do { buffer[--i] = (char)('0' + (int)(value % 10)); value /= 10; } while (value != 0);
            return buffer.Slice(i);
        }
    }
}
