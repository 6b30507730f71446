using System;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The hypervisor's version, from the xen_version hypercall.
    internal static unsafe class XenVersion
    {
        public static uint Major => MajorOf(Query());
        public static uint Minor => MinorOf(Query());

        // XENVER_version packs the version as major << 16 | minor.
        private static uint MajorOf(long version) => (uint)(version >> 16);
        private static uint MinorOf(long version) => (uint)(version & 0xffff);

        private static long Query() => Panic.Check(Hypercall.XenVersion(XenConstants.XenVerVersion, null), "xen_version(XENVER_version)");

        // "4.17.7-pre" style: major.minor then XENVER_extraversion.
        public static void Format(ref TextBuilder text)
        {
            long version = Query();
            text.Append(MajorOf(version));
            text.Append('.');
            text.Append(MinorOf(version));
            byte* extra = stackalloc byte[16]; // xen_extraversion_t
            Panic.Check(Hypercall.XenVersion(XenConstants.XenVerExtraVersion, extra), "xen_version(XENVER_extraversion)");
            for (int i = 0; i < 16 && extra[i] != 0; i++) text.Append((char)extra[i]);
        }
    }
}
