using System;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // The block devices this domain has connected, found by name among device/vbd/*; each is connected on
    // first use, quiesced before a suspend and connected again after a restore, and disconnected (xenbus
    // Closing/Closed) when the domain shuts down.
    internal static unsafe class BlockDevices
    {
        public const int MaxDevices = 4;
        private const int StoragePages = 2;

        private struct Table { public fixed ulong Devices[MaxDevices]; } // BlockFront*

        private static Table s_table;
        private static int s_count;
        private static bool s_hooked;
        private static ulong s_drain;

        // suspend-drain-ms=N on the command line: how long a suspend waits for block requests in flight
        // (0: none, all are issued again after a restore); 5000 without it.
        private static ulong DrainFromCommandLine()
        {
            var commandLine = new Core.KernelCommandLine(Domain.CommandLine);
            if (!commandLine.TryGet("suspend-drain-ms", out ReadOnlySpan<byte> value, out _)) return BlockFront.DefaultDrainNanoseconds;
            if (Core.KernelCommandLine.TryParseUInt64(value, out ulong ms) && ms <= 600_000) return ms * 1_000_000;
            XenConsole.WriteLine("# blkfront: suspend-drain-ms= is not a number of milliseconds up to 600000; using 5000");
            return BlockFront.DefaultDrainNanoseconds;
        }

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
            XenbusFrontend.Connecting++;
            long rc = BlockFront.Connect(d, id.Slice(0, idBytes.Length < id.Length ? idBytes.Length : id.Length), ref failure);
            XenbusFrontend.Connecting--;
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
                SuspendResume.AddDeviceHooks(&OnSuspend, &OnResume);
                s_drain = DrainFromCommandLine();
                s_hooked = true;
            }
            return d;
        }

        private static void OnSuspend()
        {
            Span<char> buffer = stackalloc char[128];
            for (int i = 0; i < s_count; i++)
            {
                var d = (BlockFront*)s_table.Devices[i];
                int before = d->InFlight;
                int left = BlockFront.Quiesce(d, s_drain);
                if (before == 0) continue;
                var line = new TextBuilder(buffer);
                line.Append($"# blkfront {d->Name}: suspending: {before - left} requests in flight finished, {left} left (issued again after a restore)");
                XenConsole.WriteLine(line.Text);
            }
        }

        private static void OnResume(bool newDomain)
        {
            Span<char> buffer = stackalloc char[256]; // once: a stackalloc in the loop would grow the stack each turn
            Span<char> why = stackalloc char[160];
            for (int i = 0; i < s_count; i++)
            {
                var d = (BlockFront*)s_table.Devices[i];
                bool wasConnected = d->Connected && d->Broken == 0;
                ulong reissued = d->Reissued;
                var failure = new TextBuilder(why);
                XenbusFrontend.Connecting++;
                long rc = BlockFront.Resume(d, newDomain, ref failure);
                XenbusFrontend.Connecting--;
                if (!newDomain || !wasConnected) continue;
                var line = new TextBuilder(buffer);
                if (rc < 0) line.Append($"# blkfront {d->Name}: not reconnected after the restore, the device is broken: {failure.Text}");
                else line.Append($"# blkfront {d->Name}: reconnected to {d->Front.BackPath} (backend domain {d->Front.BackendId}), {d->Reissued - reissued} requests issued again");
                XenConsole.WriteLine(line.Text);
            }
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
