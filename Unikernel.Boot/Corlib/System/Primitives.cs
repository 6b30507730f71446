// The primitive value types. Their single field of their own type is how the compiler knows them.
namespace System
{
    public abstract class ValueType { }
    public abstract class Enum : ValueType { }
    public struct Void { }
    public struct Boolean { private bool _value; }
    public partial struct Char { private char _value; }
    public struct SByte { private sbyte _value; }
    public struct Byte { private byte _value; }
    public struct Int16 { private short _value; }
    public struct UInt16 { private ushort _value; }
    public partial struct Int32 { private int _value; public const int MaxValue = 0x7fffffff; public const int MinValue = unchecked((int)0x80000000); }
    public partial struct UInt32 { private uint _value; public const uint MaxValue = 0xffffffff; public const uint MinValue = 0; }
    public partial struct Int64 { private long _value; public const long MaxValue = 0x7fffffffffffffff; public const long MinValue = unchecked((long)0x8000000000000000); }
    public partial struct UInt64 { private ulong _value; public const ulong MaxValue = 0xffffffffffffffff; public const ulong MinValue = 0; }
    public struct Single { private float _value; }
    public struct Double { private double _value; }

    public unsafe struct IntPtr
    {
        private void* _value;
        public static readonly IntPtr Zero;
        public IntPtr(void* value) { _value = value; }
        public IntPtr(long value) { _value = (void*)value; }
        public void* ToPointer() => _value;
        public static explicit operator IntPtr(void* value) => new IntPtr(value);
        public static explicit operator void*(IntPtr value) => value._value;
        public static explicit operator long(IntPtr value) => (long)value._value;
    }

    public unsafe struct UIntPtr
    {
        private void* _value;
        public UIntPtr(void* value) { _value = value; }
        public void* ToPointer() => _value;
        public static explicit operator UIntPtr(void* value) => new UIntPtr(value);
        public static explicit operator void*(UIntPtr value) => value._value;
        public static explicit operator ulong(UIntPtr value) => (ulong)value._value;
    }

    public struct Nullable<T> where T : struct
    {
        private readonly bool _hasValue;
        private T _value;
        public Nullable(T value) { _hasValue = true; _value = value; }
        public bool HasValue => _hasValue;
        public T Value
        {
            get
            {
                if (!_hasValue) Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowInvalidOperationException();
                return _value;
            }
        }
        public T GetValueOrDefault() => _value;
        public static implicit operator T?(T value) => new T?(value);
    }

    public struct RuntimeTypeHandle { private IntPtr _value; }
    public struct RuntimeMethodHandle { private IntPtr _value; }
    public struct RuntimeFieldHandle { private IntPtr _value; }

    public abstract class Type { }
    internal sealed class RuntimeType : Type { }
    public abstract class Delegate { }
    public abstract class MulticastDelegate : Delegate { }
}
