using System.Collections.Generic;

namespace Unikernel.XlEnvironment;

// Which Debian (bookworm) package ships each shared library the dom0 tools (and the Linux domU's) load. Verified by hand against
// the packages' contents; Dom0Environment walks the DT_NEEDED entries and fails naming any soname not here.
public static class Dom0Libraries
{
    public static readonly IReadOnlyDictionary<string, string> PackageOf = new Dictionary<string, string>
    {
        ["ld-linux-x86-64.so.2"] = "libc6",
        ["libc.so.6"] = "libc6",
        ["libresolv.so.2"] = "libc6",
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
        // iproute2 (ip, tc, bridge)
        ["libbpf.so.1"] = "libbpf1",
        ["libelf.so.1"] = "libelf1",
        ["libmnl.so.0"] = "libmnl0",
        ["libbsd.so.0"] = "libbsd0",
        ["libmd.so.0"] = "libmd0",
        ["libcap.so.2"] = "libcap2",
        ["libxtables.so.12"] = "libxtables12",
        // redis-tools (redis-cli, redis-benchmark, and the server binary, shipped as redis-check-rdb)
        ["libatomic.so.1"] = "libatomic1",
        ["liblzf.so.1"] = "liblzf1",
        ["libjemalloc.so.2"] = "libjemalloc2",
        ["libstdc++.so.6"] = "libstdc++6",
        ["libsystemd.so.0"] = "libsystemd0",
        ["libgcrypt.so.20"] = "libgcrypt20",
        ["libgpg-error.so.0"] = "libgpg-error0",
        ["liblz4.so.1"] = "liblz4-1",
        ["libssl.so.3"] = "libssl3",
        ["libcrypto.so.3"] = "libssl3",
    };

    // Loaded with dlopen, so no DT_NEEDED names them.
    public static readonly string[] Dlopened = { "libgcc_s.so.1" };

    // Where the packages put libraries (usr-merge is not in bookworm's package contents).
    public static readonly string[] SearchPaths = { "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64" };
}
