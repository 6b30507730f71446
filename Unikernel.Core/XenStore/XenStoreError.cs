using System;

namespace Unikernel.Core.XenStore
{
    // The negative errno values XenStoreClient returns (xen/include/public/errno.h numbering): the names
    // xenstored may send in an XS_ERROR reply, and the client's own three.
    public static class XenStoreError
    {
        // xsd_errors, io/xs_wire.h: every name xenstored sends, in the header's order.
        public const long EINVAL = -22, EACCES = -13, EEXIST = -17, EISDIR = -21, ENOENT = -2, ENOMEM = -12,
            ENOSPC = -28, EIO = -5, ENOTEMPTY = -39, ENOSYS = -38, EROFS = -30, EBUSY = -16, EAGAIN = -11,
            EISCONN = -106, E2BIG = -7, EPERM = -1;

        // The client's own: a reply it cannot follow (or an error name outside xsd_errors), a request beyond
        // XENSTORE_PAYLOAD_MAX, a reply larger than the caller's buffer.
        public const long EPROTO = -71, EMSGSIZE = -90, ENOBUFS = -105;

        private const int XsdErrorCount = 16;

        // An XS_ERROR payload's name (without its NUL) as a negative errno; a name outside xsd_errors is a
        // protocol error, not a guess.
        public static long FromName(ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < XsdErrorCount; i++)
            {
                long errno = XsdError(i);
                if (KernelCommandLine.Equals(name, Name(errno))) return errno;
            }
            return EPROTO;
        }

        private static long XsdError(int index) => index switch
        {
            0 => EINVAL, 1 => EACCES, 2 => EEXIST, 3 => EISDIR, 4 => ENOENT, 5 => ENOMEM, 6 => ENOSPC, 7 => EIO,
            8 => ENOTEMPTY, 9 => ENOSYS, 10 => EROFS, 11 => EBUSY, 12 => EAGAIN, 13 => EISCONN, 14 => E2BIG,
            _ => EPERM,
        };

        // Every result the client can return, by name; "" for anything else.
        public static ReadOnlySpan<char> Name(long errno) => errno switch
        {
            EINVAL => "EINVAL",
            EACCES => "EACCES",
            EEXIST => "EEXIST",
            EISDIR => "EISDIR",
            ENOENT => "ENOENT",
            ENOMEM => "ENOMEM",
            ENOSPC => "ENOSPC",
            EIO => "EIO",
            ENOTEMPTY => "ENOTEMPTY",
            ENOSYS => "ENOSYS",
            EROFS => "EROFS",
            EBUSY => "EBUSY",
            EAGAIN => "EAGAIN",
            EISCONN => "EISCONN",
            E2BIG => "E2BIG",
            EPERM => "EPERM",
            EPROTO => "EPROTO",
            EMSGSIZE => "EMSGSIZE",
            ENOBUFS => "ENOBUFS",
            _ => "",
        };
    }
}
