using System;
using System.IO;
using System.Text;

namespace Unikernel.Tests.Core.Net.Linux;

// A TAP device (IFF_TAP | IFF_NO_PI: whole Ethernet frames, no packet-info header) made inside a namespace,
// so it never appears in the host's; the device goes away when its descriptor is closed. Non-blocking:
// Read waits with poll.
internal sealed unsafe class TapDevice : IDisposable
{
    public readonly string Name;
    private int _fd;

    private TapDevice(string name, int fd)
    {
        Name = name;
        _fd = fd;
    }

    public static TapDevice Create(NetworkNamespace ns, string name) => ns.Run(() => Open(name));

    private static TapDevice Open(string name)
    {
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0) throw new IOException($"open /dev/net/tun: errno {Libc.Errno}");
        byte* ifr = stackalloc byte[Libc.IfReqBytes];
        new Span<byte>(ifr, Libc.IfReqBytes).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, Libc.IfNameBytes - 1));
        *(short*)(ifr + Libc.IfNameBytes) = Libc.IFF_TAP | Libc.IFF_NO_PI;
        if (Libc.ioctl(fd, Libc.TUNSETIFF, ifr) < 0)
        {
            int errno = Libc.Errno;
            Libc.close(fd);
            throw new IOException($"TUNSETIFF {name}: errno {errno}");
        }
        return new TapDevice(name, fd);
    }

    // Waits up to timeoutMs for a frame: its length, or 0 when none came.
    public int Read(Span<byte> frame, int timeoutMs)
    {
        fixed (byte* buffer = frame)
        {
            nint n = Libc.read(_fd, buffer, frame.Length);
            if (n >= 0) return (int)n;
            if (Libc.Errno != Libc.EAGAIN) throw new IOException($"read {Name}: errno {Libc.Errno}");
            if (timeoutMs == 0) return 0;
            var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
            if (Libc.poll(&pfd, 1, timeoutMs) < 0 && Libc.Errno != Libc.EINTR) throw new IOException($"poll {Name}: errno {Libc.Errno}");
            n = Libc.read(_fd, buffer, frame.Length);
            if (n >= 0) return (int)n;
            if (Libc.Errno != Libc.EAGAIN) throw new IOException($"read {Name}: errno {Libc.Errno}");
            return 0;
        }
    }

    // Hands a frame to the kernel as if it came from the wire.
    public bool Write(ReadOnlySpan<byte> frame)
    {
        fixed (byte* buffer = frame) return Libc.write(_fd, buffer, frame.Length) == frame.Length;
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.close(_fd);
        _fd = -1;
    }
}
