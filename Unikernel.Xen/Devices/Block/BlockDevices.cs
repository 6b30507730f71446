using System;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // The block devices this domain has connected, found by name among device/vbd/*; each is connected on
    // first use and disconnected (xenbus Closing/Closed) when the domain shuts down.
    internal static unsafe class BlockDevices
    {
        public const int MaxDevices = 4;
        private const int StoragePages = 2;

        private struct Table { public fixed ulong Devices[MaxDevices]; } // BlockFront*

        private static Table s_table;
        private static int s_count;
        private static bool s_hooked;

        // The connected device called `name` (xvda, ...), connecting it if needed; null when there is none or
        // it could not be connected (a "# blkfront" line says why).
        public static BlockFront* Find(ReadOnlySpan<char> name)
        {
            for (int i = 0; i < s_count; i++)
            {
                var d = (BlockFront*)s_table.Devices[i];
                if (d->Name.SequenceEqual(name)) return d;
            }
            if (!XenStoreService.IsAvailable) return null;
            Span<byte> ids = stackalloc byte[XenbusDevices.MaxListing];
            long n = XenStoreService.Directory("device/vbd", ids);
            if (n <= 0) return null;
            foreach (var id in XenbusDevices.Names(ids.Slice(0, (int)n)))
            {
                ReadOnlySpan<byte> text = ids.Slice(id.Start, id.Length);
                if (!XenStoreService.ParseDecimal(text, out ulong vdev)) continue;
                var candidate = new TextBuilder(stackalloc char[16]);
                VirtualDeviceName.Append(ref candidate, vdev);
                if (!candidate.Text.SequenceEqual(name)) continue;
                return Connect(vdev, text, candidate.Text);
            }
            return null;
        }

        private static BlockFront* Connect(ulong vdev, ReadOnlySpan<byte> idBytes, ReadOnlySpan<char> name)
        {
            if (s_count == MaxDevices) Panic.Fail("blkfront: more than 4 block devices");
            if (sizeof(BlockFront) > StoragePages * 4096) Panic.Fail("blkfront: device state larger than its pages");
            var d = (BlockFront*)FramePool.AllocatePages(StoragePages);
            if (d == null) Panic.Fail("blkfront: no memory for a device");
            new Span<byte>(d, StoragePages * 4096).Clear();
            d->VirtualDevice = (ushort)vdev;
            for (int i = 0; i < name.Length && i < 8; i++) d->NameChars[i] = name[i];
            d->NameLength = name.Length < 8 ? name.Length : 8;

            Span<char> id = stackalloc char[16];
            for (int i = 0; i < idBytes.Length && i < id.Length; i++) id[i] = (char)idBytes[i];
            var failure = new TextBuilder(stackalloc char[160]);
            long rc = BlockFront.Connect(d, id.Slice(0, idBytes.Length < id.Length ? idBytes.Length : id.Length), ref failure);
            if (rc < 0)
            {
                var line = new TextBuilder(stackalloc char[220]);
                line.Append($"# blkfront {name}: not connected: {failure.Text}");
                XenConsole.WriteLine(line.Text);
                return null; // its pages stay: the backend may hold grants on them
            }
            s_table.Devices[s_count++] = (ulong)d;
            if (!s_hooked)
            {
                ShutdownControl.AddHook(&OnShutdown);
                s_hooked = true;
            }
            return d;
        }

        private static void OnShutdown(ShutdownReason reason)
        {
            Span<char> buffer = stackalloc char[48]; // once: a stackalloc in the loop would grow the stack each turn
            for (int i = 0; i < s_count; i++)
            {
                var d = (BlockFront*)s_table.Devices[i];
                BlockFront.Disconnect(d);
                var line = new TextBuilder(buffer);
                line.Append($"# blkfront {d->Name}: closed");
                XenConsole.WriteLine(line.Text);
            }
        }
    }
}
