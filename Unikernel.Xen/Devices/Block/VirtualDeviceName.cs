using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // A vbd's "virtual-device" number as a Linux-style name (xen docs/misc/vbd-interface.txt): major 202 is
    // xvd with 16 minors per disk; bit 28 set is the extended form with the disk in bits 8-27. Partitions are
    // not named (we use whole disks); anything else is "vbd<number>".
    internal static class VirtualDeviceName
    {
        public static void Append(ref TextBuilder text, ulong vdev)
        {
            long disk = -1;
            if ((vdev & (1UL << 28)) != 0) { if ((vdev & 0xFF) == 0) disk = (long)((vdev >> 8) & 0xFFFFF); }
            else if ((vdev >> 8) == 202 && (vdev & 15) == 0) disk = (long)((vdev & 0xFF) >> 4);
            if (disk < 0 || disk >= 26 * 27)
            {
                text.Append("vbd");
                text.Append(vdev);
                return;
            }
            text.Append("xvd");
            if (disk >= 26) text.Append((char)('a' + disk / 26 - 1));
            text.Append((char)('a' + disk % 26));
        }
    }
}
