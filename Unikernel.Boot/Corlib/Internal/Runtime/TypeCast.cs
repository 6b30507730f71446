using Internal.Runtime;

namespace System.Runtime
{
    // Casts as ilc lowers them: walk the base-type chain, or scan the interface map that follows the vtable.
    // Generic variance is not supported: such a cast fails like any other.
    internal static unsafe class TypeCast
    {
        private static MethodTable* TypeOf(object obj) => obj.m_pEEType;

        private static bool DerivesFrom(MethodTable* type, MethodTable* target)
        {
            for (MethodTable* t = type; t != null; t = t->RelatedType)
                if (t == target) return true;
            return false;
        }

        private static bool Implements(MethodTable* type, MethodTable* iface)
        {
            MethodTable** map = (MethodTable**)((byte*)type + sizeof(MethodTable)) + type->NumVtableSlots;
            for (int i = 0; i < type->NumInterfaces; i++)
                if (map[i] == iface) return true;
            return false;
        }

        public static object? IsInstanceOfClass(MethodTable* target, object? obj) =>
            obj == null || DerivesFrom(TypeOf(obj), target) ? obj : null;

        public static object? IsInstanceOfInterface(MethodTable* target, object? obj) =>
            obj == null || Implements(TypeOf(obj), target) ? obj : null;

        public static object? IsInstanceOfAny(MethodTable* target, object? obj) =>
            obj == null || TypeOf(obj) == target || DerivesFrom(TypeOf(obj), target) || Implements(TypeOf(obj), target) ? obj : null;

        public static bool IsInstanceOfException(MethodTable* target, object? obj) =>
            obj != null && DerivesFrom(TypeOf(obj), target);

        public static object? CheckCastClass(MethodTable* target, object? obj) => Checked(IsInstanceOfClass(target, obj), obj);
        public static object? CheckCastClassSpecial(MethodTable* target, object? obj) => Checked(IsInstanceOfClass(target, obj), obj);
        public static object? CheckCastInterface(MethodTable* target, object? obj) => Checked(IsInstanceOfInterface(target, obj), obj);
        public static object? CheckCastAny(MethodTable* target, object? obj) => Checked(IsInstanceOfAny(target, obj), obj);

        private static object? Checked(object? result, object? obj)
        {
            if (result == null && obj != null) Fatal.Fail("invalid cast");
            return result;
        }
    }
}

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        // ilc asks for this by name; the guest has no dynamic interface casting.
        internal static RuntimeTypeHandle GetDynamicInterfaceImplementation(object instance, RuntimeTypeHandle interfaceType)
        {
            Fatal.Fail("dynamic interface cast");
            return default;
        }
    }
}
