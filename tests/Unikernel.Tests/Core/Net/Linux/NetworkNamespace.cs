using System;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Unikernel.Tools.Ukboot;

namespace Unikernel.Tests.Core.Net.Linux;

// A network namespace of its own (uk-<pid>-<n>), removed on Dispose: whatever the tests create lives in it and
// goes with it, so no real interface is ever touched. Code runs inside on a thread of its own that setns'd
// into it (setns moves only the calling thread); a socket keeps the namespace it was made in, so sockets made
// inside may be used from any thread afterwards.
internal sealed class NetworkNamespace : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private static int s_count;
    public readonly string Name;
    private bool _removed;

    private NetworkNamespace(string name) => Name = name;

    // Throws InvalidOperationException (with ip's message) when the namespace cannot be made.
    public static NetworkNamespace Create(string? suffix = null)
    {
        string name = $"uk-{Environment.ProcessId}-{suffix ?? Interlocked.Increment(ref s_count).ToString()}";
        Command("ip", "netns", "add", name);
        return new NetworkNamespace(name);
    }

    // Namespaces an earlier test process left when it died (uk-<pid>-..., that pid gone); a live process's stay.
    public static void RemoveStale()
    {
        if (!Directory.Exists("/var/run/netns")) return;
        foreach (string path in Directory.GetFiles("/var/run/netns", "uk-*"))
        {
            string name = Path.GetFileName(path);
            string[] parts = name.Split('-');
            if (parts.Length >= 3 && int.TryParse(parts[1], out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                Command("ip", "netns", "del", name);
        }
    }

    // ip -n <ns> ...; its output, or InvalidOperationException with its message.
    public string Ip(params string[] arguments) => Command("ip", ["-n", Name, .. arguments]);

    public string Tc(params string[] arguments) => Command("tc", ["-n", Name, .. arguments]);

    // Runs work on a new thread inside the namespace.
    public Task<T> Start<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Enter();
                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        }) { IsBackground = true, Name = "in " + Name };
        thread.Start();
        return result.Task;
    }

    public T Run<T>(Func<T> work)
    {
        Task<T> task = Start(work);
        if (!task.Wait(CommandTimeout)) throw new TimeoutException($"work inside {Name} did not finish within {CommandTimeout.TotalSeconds} s");
        return task.Result;
    }

    private void Enter()
    {
        int fd = Libc.open($"/var/run/netns/{Name}", Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0) throw new IOException($"open /var/run/netns/{Name}: errno {Libc.Errno}");
        int rc = Libc.setns(fd, Libc.CLONE_NEWNET);
        int errno = Libc.Errno;
        Libc.close(fd);
        if (rc != 0) throw new IOException($"setns into {Name}: errno {errno}");
    }

    private static string Command(string program, params string[] arguments)
    {
        ProcessOutput output = HostProcess.Run(program, arguments, timeout: CommandTimeout);
        if (output.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: exit {output.ExitCode}: {output.Stderr.Trim()}");
        return output.Stdout;
    }

    // Deleting the namespace deletes the virtual devices in it (the tap among them) once nothing holds it.
    public void Dispose()
    {
        if (_removed) return;
        _removed = true;
        Command("ip", "netns", "del", Name);
    }
}
