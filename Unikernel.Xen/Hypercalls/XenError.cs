using System;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // Names for the errno values hypercalls return negated (xen/include/public/errno.h).
    internal static class XenError
    {
        public const long EPERM = -1, ENOENT = -2, EIO = -5, E2BIG = -7, EAGAIN = -11, ENOMEM = -12, EACCES = -13,
            EBUSY = -16, EEXIST = -17, ENODEV = -19, EISDIR = -21, EINVAL = -22, ENOSPC = -28, EROFS = -30,
            ENOSYS = -38, ENOTEMPTY = -39, EPROTO = -71, EMSGSIZE = -90, ENOBUFS = -105, EISCONN = -106;

        // The errno names xenstored sends in XS_ERROR replies (io/xs_wire.h xsd_errors), as negated numbers.
        public static long FromName(ReadOnlySpan<byte> name)
        {
            for (long errno = 1; errno <= 106; errno++)
            {
                ReadOnlySpan<char> candidate = Name(-errno);
                if (candidate.Length == name.Length && candidate[0] == 'E' && Matches(candidate, name)) return -errno;
            }
            return EPROTO; // a name we do not know is a protocol error, not a guess
        }

        private static bool Matches(ReadOnlySpan<char> text, ReadOnlySpan<byte> bytes)
        {
            for (int i = 0; i < text.Length; i++) if (text[i] != bytes[i]) return false;
            return true;
        }

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
            38 => "ENOSYS",
            39 => "ENOTEMPTY",
            71 => "EPROTO",
            90 => "EMSGSIZE",
            95 => "EOPNOTSUPP",
            105 => "ENOBUFS",
            106 => "EISCONN",
            _ => "unknown error",
        };
    }
}
