namespace Internal.Runtime.CompilerHelpers
{
    // ilc calls these for failed bounds, overflow and null checks it emits itself. Every one is fatal.
    public static class ThrowHelpers
    {
        public static void ThrowIndexOutOfRangeException() => Fatal.Fail("index out of range");
        public static void ThrowOverflowException() => Fatal.Fail("arithmetic overflow");
        public static void ThrowNullReferenceException() => Fatal.Fail("null reference");
        public static void ThrowDivideByZeroException() => Fatal.Fail("division by zero");
        public static void ThrowArrayTypeMismatchException() => Fatal.Fail("array type mismatch");
        public static void ThrowInvalidCastException() => Fatal.Fail("invalid cast");
        public static void ThrowInvalidOperationException() => Fatal.Fail("invalid operation");
        public static void ThrowArgumentException() => Fatal.Fail("invalid argument");
        public static void ThrowArgumentOutOfRangeException() => Fatal.Fail("argument out of range");
        public static void ThrowPlatformNotSupportedException() => Fatal.Fail("not supported on this platform");
        public static void ThrowNotImplementedException() => Fatal.Fail("not implemented");
        public static void ThrowNotSupportedException() => Fatal.Fail("not supported");
        public static void ThrowTypeLoadException() => Fatal.Fail("type load failed");
        public static void ThrowFeatureBodyRemoved() => Fatal.Fail("feature removed by the compiler was called");
        public static void ThrowBodyRemoved() => Fatal.Fail("method removed by the compiler was called");
        public static void ThrowInstanceBodyRemoved() => Fatal.Fail("instance method removed by the compiler was called");
        public static void ThrowUnavailableType() => Fatal.Fail("type unavailable in this image");
    }
}
