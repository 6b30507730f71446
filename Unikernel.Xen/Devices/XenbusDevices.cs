using System;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // The devices the toolstack gave this domain: the children of device/<type>/ in xenstore. Listed at boot
    // (a "# xenbus:" line per device, and a line saying so when there is no disk).
    internal static unsafe class XenbusDevices
    {
        public const int MaxListing = 1024;

        internal static void Announce()
        {
            if (!XenStoreService.IsAvailable) return;
            Span<byte> types = stackalloc byte[256];
            long n = XenStoreService.Directory("device", types);
            int disks = 0;
            if (n > 0)
            {
                foreach (var type in Names(types.Slice(0, (int)n)))
                    disks += AnnounceType(types.Slice(type.Start, type.Length));
            }
            if (disks == 0) XenConsole.WriteLine("# xenbus: no block devices found");
        }

        private static int AnnounceType(ReadOnlySpan<byte> type)
        {
            var path = new TextBuilder(stackalloc char[64]);
            path.Append("device/");
            for (int i = 0; i < type.Length && path.Length < 60; i++) path.Append((char)type[i]);
            Span<byte> ids = stackalloc byte[MaxListing];
            long n = XenStoreService.Directory(path.Text, ids);
            if (n <= 0) return 0;
            bool isDisk = KernelCommandLineEquals(type, "vbd");
            int found = 0;
            Span<char> buffer = stackalloc char[96]; // once: a stackalloc in the loop would grow the stack each turn
            foreach (var id in Names(ids.Slice(0, (int)n)))
            {
                ReadOnlySpan<byte> name = ids.Slice(id.Start, id.Length);
                if (!XenStoreService.ParseDecimal(name, out ulong number)) continue; // e.g. device/suspend/event-channel
                var line = new TextBuilder(buffer);
                line.Append("# xenbus: found ");
                for (int i = 0; i < type.Length && line.Length < 40; i++) line.Append((char)type[i]);
                line.Append('/');
                line.Append(number);
                if (isDisk)
                {
                    line.Append(" (");
                    VirtualDeviceName.Append(ref line, number);
                    line.Append(')');
                    found++;
                }
                XenConsole.WriteLine(line.Text);
            }
            return found;
        }

        private static bool KernelCommandLineEquals(ReadOnlySpan<byte> a, string b) => Core.KernelCommandLine.Equals(a, b);

        // NUL-separated names of an XS_DIRECTORY reply.
        public readonly struct Range
        {
            public readonly int Start, Length;
            public Range(int start, int length) { Start = start; Length = length; }
        }

        public ref struct NameEnumerator
        {
            private readonly ReadOnlySpan<byte> _list;
            private int _next;
            public Range Current { get; private set; }
            public NameEnumerator(ReadOnlySpan<byte> list) { _list = list; _next = 0; Current = default; }
            public NameEnumerator GetEnumerator() => this;
            public bool MoveNext()
            {
                while (_next < _list.Length)
                {
                    int start = _next;
                    while (_next < _list.Length && _list[_next] != 0) _next++;
                    int length = _next - start;
                    _next++;
                    if (length > 0) { Current = new Range(start, length); return true; }
                }
                return false;
            }
        }

        public static NameEnumerator Names(ReadOnlySpan<byte> list) => new(list);
    }
}
