using System;
using System.Runtime;

namespace Internal.Runtime
{
    // The guest's last word: runtime helpers (failed casts, bounds checks, throws, heap exhaustion) end here.
    // The platform installs a writer and a crash routine at entry; until it does, the boot stub crashes the
    // domain without a message.
    public static unsafe class Fatal
    {
        private static delegate*<char*, int, void> s_write;
        private static delegate*<void> s_crash;

        public static void Install(delegate*<char*, int, void> write, delegate*<void> crash)
        {
            s_write = write;
            s_crash = crash;
        }

        public static void Fail(ReadOnlySpan<char> what) => Fail(what, default, default);

        public static void Fail(ReadOnlySpan<char> what, ReadOnlySpan<char> detail) => Fail(what, detail, default);

        public static void Fail(ReadOnlySpan<char> what, ReadOnlySpan<char> detail, ReadOnlySpan<char> more)
        {
            if (s_write != null)
            {
                Write("\npanic: ");
                Write(what);
                Write(detail);
                Write(more);
                Write("\n");
            }
            if (s_crash != null) s_crash();
            EarlyCrash();
        }

        private static void Write(ReadOnlySpan<char> text)
        {
            fixed (char* p = text) s_write(p, text.Length);
        }

        // The platform's stub: ends the guest as crashed with no help from managed code; never returns.
        [RuntimeImport("uk_early_crash")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern void EarlyCrash();
    }
}
