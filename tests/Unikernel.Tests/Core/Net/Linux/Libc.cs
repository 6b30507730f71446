using System.Runtime.InteropServices;

namespace Unikernel.Tests.Core.Net.Linux;

// The few libc calls a TAP device and a network namespace need (Linux x86_64 values).
internal static unsafe class Libc
{
    public const int O_RDONLY = 0, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int CLONE_NEWNET = 0x40000000;
    public const short POLLIN = 1;
    public const ulong TUNSETIFF = 0x400454CA;
    public const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    public const int EINTR = 4, EAGAIN = 11;
    public const int IfReqBytes = 40, IfNameBytes = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events, Revents;
    }

    [DllImport("libc", SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int ioctl(int fd, ulong request, void* argument);

    [DllImport("libc", SetLastError = true)]
    public static extern nint read(int fd, void* buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    public static extern nint write(int fd, void* buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    public static extern int poll(PollFd* fds, ulong count, int timeoutMs);

    // Moves the calling thread (only it) into the namespace fd names.
    [DllImport("libc", SetLastError = true)]
    public static extern int setns(int fd, int type);

    [DllImport("libc")]
    public static extern uint geteuid();

    public static int Errno => Marshal.GetLastPInvokeError();
}
