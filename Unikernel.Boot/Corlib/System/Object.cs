using Internal.Runtime;

namespace System
{
    // Every object starts with its MethodTable pointer; ilc lays instance fields out after it.
    public unsafe class Object
    {
#pragma warning disable 169, 649
        internal MethodTable* m_pEEType;
#pragma warning restore 169, 649

        public Object() { }

        public virtual bool Equals(object? other) => (object)this == other;
        public virtual int GetHashCode() => 0;
        public virtual string? ToString() => null;
        ~Object() { }
    }
}
