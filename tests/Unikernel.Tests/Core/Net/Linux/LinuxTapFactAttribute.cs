using System;
using System.ComponentModel;
using System.IO;

namespace Unikernel.Tests.Core.Net.Linux;

// A test against the Linux kernel's own stack over a TAP device in a namespace of its own; skipped, saying
// why, where the machine does not allow that (not Linux, not root, no /dev/net/tun, no ip, namespaces or TAP
// devices refused) or, with Netem, where tc's netem qdisc is missing. Found out once, by trying.
[AttributeUsage(AttributeTargets.Method)]
public sealed class LinuxTapFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_tap = new(() => Probe(false)), s_netem = new(() => Probe(true));

    public bool Netem { get; set; }

    public override string? Skip
    {
        get => base.Skip ?? s_tap.Value ?? (Netem ? s_netem.Value : null);
        set => base.Skip = value;
    }

    private static string? Probe(bool netem)
    {
        if (!OperatingSystem.IsLinux()) return "needs Linux (network namespaces, TAP devices)";
        if (Libc.geteuid() != 0) return "needs root to create a network namespace and a TAP device";
        if (!File.Exists("/dev/net/tun")) return "no /dev/net/tun";
        try
        {
            if (!netem) NetworkNamespace.RemoveStale();
            using var ns = NetworkNamespace.Create(netem ? "probe-netem" : "probe");
            if (netem) ns.Tc("qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms");
            else TapDevice.Create(ns, "ukprobe0").Dispose();
            return null;
        }
        catch (Win32Exception e)
        {
            return $"{(netem ? "tc" : "ip")} could not be run: {e.Message}";
        }
        catch (Exception e)
        {
            return netem ? $"no netem qdisc: {e.Message}" : $"no namespace with a TAP device: {e.Message}";
        }
    }
}
