using System.Runtime.InteropServices;

namespace Internal.Runtime
{
    // The head of ilc's type descriptor (dotnet/runtime src/coreclr/nativeaot/Runtime/inc/MethodTable.h).
    // Only what allocation and casts need.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MethodTable
    {
        internal ushort ComponentSize;   // low half of _uFlags: element size for arrays and strings
        internal ushort Flags;           // high half of _uFlags
        internal uint BaseSize;          // size of an instance without its elements, header included
        internal MethodTable* RelatedType; // base type for classes, element type for arrays
        internal ushort NumVtableSlots;
        internal ushort NumInterfaces;
        internal uint HashCode;

        // EETypeFlags.HasComponentSizeFlag: ComponentSize is meaningful.
        internal bool HasComponentSize => (Flags & 0x8000) != 0;
    }
}
