using System;
using Internal.Runtime;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // Unrecoverable errors: print what failed and crash the domain (SHUTDOWN_crash). Never returns.
    public static class Panic
    {
        public static void Fail(ReadOnlySpan<char> what) => Fatal.Fail(what);

        // Checks a hypercall's result; a negative one is fatal and named with the call and its errno.
        public static long Check(long rc, ReadOnlySpan<char> call)
        {
            if (rc < 0) HypercallFailed(call, rc);
            return rc;
        }

        // The common case, a literal name: converted to a span only on failure, off the success path.
        public static long Check(long rc, string call)
        {
            if (rc < 0) HypercallFailed(call, rc);
            return rc;
        }

        public static void HypercallFailed(ReadOnlySpan<char> call, long rc)
        {
            Span<char> buffer = stackalloc char[160];
            var text = new TextBuilder(buffer);
            text.Append("hypercall ");
            text.Append(call);
            text.Append(" failed: ");
            text.Append(rc);
            text.Append(" (");
            text.Append(XenError.Name(rc));
            text.Append(")");
            Fatal.Fail(text.Text);
        }
    }
}
