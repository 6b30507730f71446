using System.Collections.Generic;

namespace Unikernel.XlEnvironment;

// Which Debian (bookworm) package ships each shared library the dom0 tools load. Verified by hand against
// the packages' contents; Dom0Environment walks the DT_NEEDED entries and fails naming any soname not here.
public static class Dom0Libraries
{
    public static readonly IReadOnlyDictionary<string, string> PackageOf = new Dictionary<string, string>
    {
        ["ld-linux-x86-64.so.2"] = "libc6",
        ["libc.so.6"] = "libc6",
        ["libm.so.6"] = "libc6",
        ["libgcc_s.so.1"] = "libgcc-s1", // dlopened by glibc when a thread is cancelled or exits
        ["libxenlight.so.4.17"] = "libxenmisc4.17",
        ["libxlutil.so.4.17"] = "libxenmisc4.17",
        ["libxenctrl.so.4.17"] = "libxenmisc4.17",
        ["libxenguest.so.4.17"] = "libxenmisc4.17",
        ["libxenstore.so.4"] = "libxenstore4",
        ["libxentoollog.so.1"] = "libxentoollog1",
        ["libxentoolcore.so.1"] = "libxentoolcore1",
        ["libxenevtchn.so.1"] = "libxenevtchn1",
        ["libxengnttab.so.1"] = "libxengnttab1",
        ["libxenforeignmemory.so.1"] = "libxenforeignmemory1",
        ["libxencall.so.1"] = "libxencall1",
        ["libxendevicemodel.so.1"] = "libxendevicemodel1",
        ["libxenhypfs.so.1"] = "libxenhypfs1",
        ["libyajl.so.2"] = "libyajl2",
        ["libuuid.so.1"] = "libuuid1",
        ["liblzma.so.5"] = "liblzma5",
        ["libzstd.so.1"] = "libzstd1",
        ["libz.so.1"] = "zlib1g",
    };

    // Loaded with dlopen, so no DT_NEEDED names them.
    public static readonly string[] Dlopened = { "libgcc_s.so.1" };

    // Where the packages put libraries (usr-merge is not in bookworm's package contents).
    public static readonly string[] SearchPaths = { "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64" };
}
