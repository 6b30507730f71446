using System;
using Unikernel.Core.Text;
using Xen = Unikernel.Xen;

namespace Unikernel
{
    /// <summary>
    /// The domain's network: its first virtual interface (<c>vif = ['bridge=xenbr0']</c> in the xl cfg) with
    /// IPv4, ICMP echo, UDP and TCP. The address comes from the command line (<c>ip=169.254.0.2/16</c>, and
    /// <c>gw=</c> for a gateway) or else from the vif's <c>ip=</c> in the cfg. The network starts on first use
    /// (or <see cref="Start"/>); packets are handled whenever the application waits (a socket's waiting form,
    /// <c>Console.ReadLine</c>, <c>Lifecycle.WaitUntil</c>), never behind its back.
    /// </summary>
    public static unsafe class Network
    {
        /// <summary>
        /// Connects the interface and starts the stack (once); false when there is no vif, no address, or the
        /// backend did not connect: a <c># net:</c> line on the console says which.
        /// </summary>
        public static bool Start() => Xen.NetworkService.Start();

        /// <summary>Whether the toolstack gave this domain a network interface (a vif in the xl cfg); nothing is started.</summary>
        public static bool IsConfigured => Xen.NetworkService.HasVif;

        /// <summary>Whether the interface is connected and its link up.</summary>
        public static bool IsUp => Xen.NetworkService.IsUp;

        /// <summary>Our IPv4 address (<see cref="IPv4Address.None"/> before <see cref="Start"/>).</summary>
        public static IPv4Address Address => new IPv4Address(Xen.NetworkService.IsStarted ? Xen.NetworkService.Interface->Address : 0);

        /// <summary>Writes a one-line summary of what the interface and the stack have done (packets, bytes,
        /// drops by reason, TCP retransmissions) into <paramref name="destination"/>; returns its length.</summary>
        public static int DescribeCounters(Span<char> destination)
        {
            var text = new TextBuilder(destination);
            Xen.NetworkService.AppendCounters(ref text);
            return text.Length;
        }
    }
}
