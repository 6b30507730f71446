using System;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime
{
    // Allocation policy: there is no GC. `new` of a class or array is served by a bump allocator over a fixed
    // arena reserved in .bss by the linker script (UnikernelHeapSize, default 1 MiB). Nothing is ever freed;
    // running out is fatal and says how much was asked for. Long-lived state belongs in statics and structs.
    public static unsafe class Heap
    {
        private static byte* s_next;
        private static byte* s_end;

        public static nuint Used => s_next == null ? 0 : (nuint)(s_next - HeapStart());
        public static nuint Size => (nuint)(HeapEnd() - HeapStart());

        public static void* Allocate(nuint size)
        {
            if (s_next == null)
            {
                s_next = HeapStart();
                s_end = HeapEnd();
            }
            size = (size + 7) & ~(nuint)7;
            if (size > (nuint)(s_end - s_next))
                Fatal.Fail("out of heap memory: raise UnikernelHeapSize (", Number.Format(size, stackalloc char[20]), " bytes asked)");
            byte* result = s_next;
            s_next += size; // .bss arrives zeroed and is never reused, so no clearing
            return result;
        }

        // An object of the given type: its MethodTable pointer set, the rest zero.
        internal static MethodTable** AllocateObject(MethodTable* type, nuint size)
        {
            var obj = (MethodTable**)Allocate(size);
            *obj = type;
            return obj;
        }

        [RuntimeImport("uk_heap_start")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern byte* HeapStart();

        [RuntimeImport("uk_heap_end")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern byte* HeapEnd();
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
