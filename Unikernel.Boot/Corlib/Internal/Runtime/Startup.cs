using System.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime
{
    // Start-of-day work for the code ilc produced: give every GC-static block (the reference-type statics of
    // classes whose static constructors run at run time) its object. ilc describes them in each module's
    // ReadyToRun header (dotnet/runtime src/coreclr/nativeaot/Runtime/inc/ModuleHeaders.h).
    public static unsafe class Startup
    {
        private const uint ReadyToRunSignature = 0x00525452; // "RTR"
        private const int GCStaticRegionSection = 201;       // ReadyToRunSectionType.GCStaticRegion
        private const nint Uninitialized = 1;                // GCStaticRegionConstants.Uninitialized
        private const nint HasPreInitializedData = 2;        // GCStaticRegionConstants.HasPreInitializedData
        private const nint FlagMask = 3;

        private struct ReadyToRunHeader
        {
            public uint Signature;
            public ushort MajorVersion, MinorVersion;
            public uint Flags;
            public ushort NumberOfSections;
            public byte EntrySize, EntryType;
        }

        private struct ModuleInfoRow
        {
            public int SectionId, Flags;
            public byte* Start, End;
        }

        public static void InitializeStatics()
        {
            for (var module = (ReadyToRunHeader**)ModulesStart(); module < (ReadyToRunHeader**)ModulesEnd(); module++)
            {
                ReadyToRunHeader* header = *module;
                if (header->Signature != ReadyToRunSignature) Fatal.Fail("module header has no RTR signature");
                var row = (byte*)(header + 1);
                for (int i = 0; i < header->NumberOfSections; i++, row += header->EntrySize)
                {
                    var info = (ModuleInfoRow*)row;
                    if (info->SectionId == GCStaticRegionSection) InitializeGCStatics((int*)info->Start, (int*)info->End);
                }
            }
        }

        // The region is a list of 32-bit relative pointers to blocks; each block holds a relative pointer to
        // the statics' MethodTable (low bits: flags), followed by one to pre-initialised data when flagged.
        private static void InitializeGCStatics(int* start, int* end)
        {
            for (int* entry = start; entry < end; entry++)
            {
                var block = (int*)ReadRelative(entry);
                nint value = (nint)ReadRelative(block);
                if ((value & Uninitialized) == 0) continue;

                var type = (MethodTable*)(value & ~FlagMask);
                var obj = Heap.AllocateObject(type, type->BaseSize);
                if ((value & HasPreInitializedData) != 0)
                {
                    // Instance data starts after the MethodTable pointer; BaseSize counts that pointer and
                    // the object header word before it.
                    byte* data = ReadRelative(block + 1);
                    System.SpanHelpers.Memmove((byte*)(obj + 1), data, type->BaseSize - (nuint)(2 * sizeof(nint)));
                }
                *(void**)block = obj;
            }
        }

        private static byte* ReadRelative(int* p) => (byte*)p + *p;

        [RuntimeImport("uk_modules_start")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* ModulesStart();

        [RuntimeImport("uk_modules_end")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* ModulesEnd();
    }
}
