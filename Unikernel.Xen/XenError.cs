using System;

namespace Unikernel.Xen
{
    // Names for the errno values hypercalls return negated (xen/include/public/errno.h).
    public static class XenError
    {
        public static ReadOnlySpan<char> Name(long rc) => -rc switch
        {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            22 => "EINVAL",
            28 => "ENOSPC",
            38 => "ENOSYS",
            95 => "EOPNOTSUPP",
            _ => "unknown error",
        };
    }
}
