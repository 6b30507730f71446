using Internal.Runtime;

namespace System.Runtime.CompilerServices
{
    // The context ilc emits beside a type whose static constructor it could not pre-evaluate.
    public unsafe struct StaticClassConstructionContext
    {
        public IntPtr cctorMethodAddress;
    }

    // Runs a static constructor once, on first use. The guest is single-threaded, so no lock.
    internal static unsafe class ClassConstructorRunner
    {
        private static void EnsureClassConstructorRun(StaticClassConstructionContext* context)
        {
            void* cctor = (void*)context->cctorMethodAddress;
            if (cctor == null) return;
            context->cctorMethodAddress = default;
            ((delegate*<void>)cctor)();
        }

        private static IntPtr CheckStaticClassConstructionReturnGCStaticBase(StaticClassConstructionContext* context, IntPtr gcStaticBase)
        {
            EnsureClassConstructorRun(context);
            return gcStaticBase;
        }

        private static IntPtr CheckStaticClassConstructionReturnNonGCStaticBase(StaticClassConstructionContext* context, IntPtr nonGcStaticBase)
        {
            EnsureClassConstructorRun(context);
            return nonGcStaticBase;
        }
    }
}
