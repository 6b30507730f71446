using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using Unikernel.Core.Net;

namespace Unikernel.Tests.Core.Net.Linux;

// A link between Linux and our stack: a namespace of its own holding a tap, Linux at 169.254.<n>.1/24 on it,
// our stack at 169.254.<n>.2 with a locally administered MAC on the tap's descriptor. Dispose closes the tap
// and removes the namespace, also when setting up failed half-way.
internal sealed class TapLink : IDisposable
{
    public const string TapName = "uk0";
    public static readonly MacAddress OurMac = new(0x02_75_6B_00_00_02); // locally administered, unicast
    private static int s_subnet;
    public readonly NetworkNamespace Namespace;
    public readonly TapStack Us = null!;
    public readonly uint LinuxIp, OurIp;
    public readonly MacAddress LinuxMac;

    public TapLink(int seed)
    {
        int subnet = 1 + Interlocked.Increment(ref s_subnet) % 254;
        LinuxIp = 0xA9FE_0000u | (uint)subnet << 8 | 1;
        OurIp = LinuxIp + 1;
        Namespace = NetworkNamespace.Create();
        try
        {
            TapDevice tap = TapDevice.Create(Namespace, TapName);
            try
            {
                Us = new TapStack(tap, OurMac, OurIp, 24, seed);
            }
            catch
            {
                tap.Dispose();
                throw;
            }
            Namespace.Ip("addr", "add", $"{Text(LinuxIp)}/24", "dev", TapName);
            Namespace.Ip("link", "set", TapName, "up");
            Match mac = Regex.Match(Namespace.Ip("-o", "link", "show", "dev", TapName), "link/ether ([0-9a-f:]{17})");
            Assert.True(mac.Success, "the tap's MAC");
            LinuxMac = new MacAddress(Convert.ToUInt64(mac.Groups[1].Value.Replace(":", ""), 16));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IPAddress LinuxAddress => IPAddress.Parse(Text(LinuxIp));
    public IPAddress OurAddress => IPAddress.Parse(Text(OurIp));

    public static string Text(uint ip) => $"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}";

    // A Linux socket in the namespace, its blocking calls bounded so a stuck test fails rather than hangs.
    public Socket Socket(SocketType type, ProtocolType protocol) => Namespace.Run(() =>
        new Socket(AddressFamily.InterNetwork, type, protocol) { ReceiveTimeout = 60_000, SendTimeout = 60_000 });

    // A counter of Linux's TCP in the namespace, by its name in /proc/net/snmp's Tcp: lines (RetransSegs) or
    // /proc/net/netstat's TcpExt: lines (TCPWinProbe). Read from a thread inside, whose thread-self/net it is.
    public long LinuxTcpCounter(string name) => Namespace.Run(() =>
    {
        foreach (string file in new[] { "snmp", "netstat" })
        {
            string[] lines = File.ReadAllLines($"/proc/thread-self/net/{file}");
            for (int i = 0; i + 1 < lines.Length; i += 2)
            {
                if (!lines[i].StartsWith("Tcp", StringComparison.Ordinal)) continue;
                int column = Array.IndexOf(lines[i].Split(' '), name);
                if (column > 0) return long.Parse(lines[i + 1].Split(' ')[column]);
            }
        }
        Assert.Fail($"Linux has no TCP counter {name}");
        return 0;
    });

    public void Dispose()
    {
        Us?.Dispose();
        Namespace.Dispose();
    }
}
