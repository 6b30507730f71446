using System;
using Unikernel.Core.Text;

namespace Unikernel
{
    /// <summary>What this domain knows about itself and the hypervisor it runs on.</summary>
    public static unsafe class DomainFacts
    {
        /// <summary>Xen's major version (4 for Xen 4.17).</summary>
        public static uint XenMajorVersion => Xen.XenVersion.Major;

        /// <summary>Xen's minor version (17 for Xen 4.17).</summary>
        public static uint XenMinorVersion => Xen.XenVersion.Minor;

        /// <summary>Appends Xen's full version, e.g. "4.17.7" or "4.17.7-pre" (major.minor and extra version).</summary>
        public static void AppendXenVersion(ref TextBuilder text) => Xen.XenVersion.Format(ref text);

        /// <summary>The pages of RAM Xen gave the domain at boot (start_info.nr_pages).</summary>
        public static ulong PageCount => Xen.Domain.PageCount;

        /// <summary>True when this is dom0, the initial domain Xen booted itself (there is then no xenstore).</summary>
        public static bool IsDom0 => Xen.Domain.IsInitialDomain;

        /// <summary>
        /// The command line the domain was started with, as bytes (xl: <c>cmdline = "..."</c>; dom0: what
        /// follows the image name in the boot module).
        /// </summary>
        public static ReadOnlySpan<byte> CommandLine => Xen.Domain.CommandLine;

        /// <summary>
        /// The domain's id, read from the xenstore, or a negative errno
        /// (<see cref="XenStore.NotAvailable"/> when there is no xenstore).
        /// </summary>
        public static long DomainId => Xen.XenStoreService.ReadDomainId();

        /// <summary>
        /// Reads the domain's name (the cfg's <c>name</c>) from the xenstore into <paramref name="name"/>;
        /// returns its length or a negative errno (<see cref="XenStore.NotAvailable"/> when there is none).
        /// </summary>
        public static long ReadName(Span<byte> name) => Xen.XenStoreService.Read("name", name);
    }
}
