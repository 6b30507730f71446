using System;
using Internal.Runtime;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // Unrecoverable errors: print what failed and crash the domain (SHUTDOWN_crash). Never returns.
    internal static class Panic
    {
        public static void Fail(ReadOnlySpan<char> what) => Fatal.Fail(what);

        // Checks a hypercall's result; a negative one is fatal and named with the call and its errno.
        // Takes the name as a string so it becomes a span only on failure, off the success path.
        public static long Check(long rc, string call)
        {
            if (rc < 0) HypercallFailed(call, rc);
            return rc;
        }

        public static void HypercallFailed(ReadOnlySpan<char> call, long rc)
        {
            var text = new TextBuilder(stackalloc char[160]);
            text.Append($"hypercall {call} failed: ");
            XenError.AppendResult(ref text, rc);
            Fatal.Fail(text.Text);
        }
    }
}
