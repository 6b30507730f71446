using System;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // Names for the errno values hypercalls return negated (xen/include/public/errno.h).
    internal static class XenError
    {
        public const long EPERM = -1, ENOENT = -2, EIO = -5, E2BIG = -7, EAGAIN = -11, ENOMEM = -12, EACCES = -13,
            EBUSY = -16, EEXIST = -17, ENODEV = -19, EISDIR = -21, EINVAL = -22, ENOSPC = -28, EROFS = -30,
            ENOSYS = -38, ENOTEMPTY = -39, EPROTO = -71, EMSGSIZE = -90, ENOBUFS = -105, EISCONN = -106,
            EOPNOTSUPP = -95, ETIMEDOUT = -110, EPIPE = -32, EADDRINUSE = -98, ENETDOWN = -100,
            ENETUNREACH = -101, ECONNRESET = -104, ENOTCONN = -107, ECONNREFUSED = -111, EHOSTUNREACH = -113;

        // A failed call's result as reports show it: "-22 (EINVAL)".
        public static void AppendResult(ref TextBuilder text, long rc)
        {
            text.Append(rc);
            text.Append(" (");
            text.Append(Name(rc));
            text.Append(")");
        }

        public static ReadOnlySpan<char> Name(long rc) => -rc switch
        {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            5 => "EIO",
            7 => "E2BIG",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            21 => "EISDIR",
            22 => "EINVAL",
            28 => "ENOSPC",
            30 => "EROFS",
            32 => "EPIPE",
            38 => "ENOSYS",
            39 => "ENOTEMPTY",
            71 => "EPROTO",
            90 => "EMSGSIZE",
            95 => "EOPNOTSUPP",
            98 => "EADDRINUSE",
            100 => "ENETDOWN",
            101 => "ENETUNREACH",
            104 => "ECONNRESET",
            105 => "ENOBUFS",
            106 => "EISCONN",
            107 => "ENOTCONN",
            110 => "ETIMEDOUT",
            111 => "ECONNREFUSED",
            113 => "EHOSTUNREACH",
            _ => "unknown error",
        };
    }
}
