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

    // The libraries of libvirtd, its libxl driver and virsh that the base lacks (LibvirtLayer), by package.
    public static readonly IReadOnlyDictionary<string, string> LibvirtPackageOf = new Dictionary<string, string>
    {
        ["libvirt.so.0"] = "libvirt0",
        ["libvirt-lxc.so.0"] = "libvirt0",
        ["libvirt-qemu.so.0"] = "libvirt0",
        ["libglib-2.0.so.0"] = "libglib2.0-0",
        ["libgobject-2.0.so.0"] = "libglib2.0-0",
        ["libgio-2.0.so.0"] = "libglib2.0-0",
        ["libgmodule-2.0.so.0"] = "libglib2.0-0",
        ["libffi.so.8"] = "libffi8",
        ["libpcre2-8.so.0"] = "libpcre2-8-0",
        ["libmount.so.1"] = "libmount1",
        ["libblkid.so.1"] = "libblkid1",
        ["libselinux.so.1"] = "libselinux1",
        ["libxml2.so.2"] = "libxml2",
        ["libicuuc.so.72"] = "libicu72",
        ["libicudata.so.72"] = "libicu72",
        ["libacl.so.1"] = "libacl1",
        ["libaudit.so.1"] = "libaudit1",
        ["libcap-ng.so.0"] = "libcap-ng0",
        ["libapparmor.so.1"] = "libapparmor1",
        ["libnl-3.so.200"] = "libnl-3-200",
        ["libnuma.so.1"] = "libnuma1",
        ["libtirpc.so.3"] = "libtirpc3",
        ["libsasl2.so.2"] = "libsasl2-2",
        ["libssh.so.4"] = "libssh-4",
        ["libssh2.so.1"] = "libssh2-1",
        ["libgnutls.so.30"] = "libgnutls30",
        ["libnettle.so.8"] = "libnettle8",
        ["libhogweed.so.6"] = "libhogweed6",
        ["libgmp.so.10"] = "libgmp10",
        ["libp11-kit.so.0"] = "libp11-kit0",
        ["libtasn1.so.6"] = "libtasn1-6",
        ["libidn2.so.0"] = "libidn2-0",
        ["libunistring.so.2"] = "libunistring2",
        ["libcurl-gnutls.so.4"] = "libcurl3-gnutls",
        ["libnghttp2.so.14"] = "libnghttp2-14",
        ["librtmp.so.1"] = "librtmp1",
        ["libpsl.so.5"] = "libpsl5",
        ["libbrotlidec.so.1"] = "libbrotli1",
        ["libbrotlicommon.so.1"] = "libbrotli1",
        ["libldap-2.5.so.0"] = "libldap-2.5-0",
        ["liblber-2.5.so.0"] = "libldap-2.5-0",
        ["libgssapi_krb5.so.2"] = "libgssapi-krb5-2",
        ["libkrb5.so.3"] = "libkrb5-3",
        ["libk5crypto.so.3"] = "libk5crypto3",
        ["libkrb5support.so.0"] = "libkrb5support0",
        ["libcom_err.so.2"] = "libcom-err2",
        ["libkeyutils.so.1"] = "libkeyutils1",
        ["libreadline.so.8"] = "libreadline8",
        ["libtinfo.so.6"] = "libtinfo6",
    };

    // Loaded with dlopen, so no DT_NEEDED names them.
    public static readonly string[] Dlopened = { "libgcc_s.so.1" };

    // Where the packages put libraries (usr-merge is not in bookworm's package contents).
    public static readonly string[] SearchPaths = { "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64" };
}
