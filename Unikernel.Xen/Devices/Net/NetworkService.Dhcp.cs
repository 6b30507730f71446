using System;
using Unikernel.Core.Net;
using Unikernel.Core.Text;

namespace Unikernel.Xen
{
    // The address from DHCP when neither the command line nor the vif gives one: Core's DhcpClient on UDP
    // port 68 of our own interface (sending from 0.0.0.0 to the broadcast address until it has a lease).
    // Start waits for the first lease, at most DhcpTimeout; the poller renews it and follows a lease that
    // ends or moves.
    internal static unsafe partial class NetworkService
    {
        public const ulong DhcpTimeoutNanoseconds = 20_000_000_000; // udhcpd first checks the address is free (ARP, 2 s)

        private static DhcpClient s_dhcp;
        private static bool s_dhcpOn;

        private static bool AcquireLease(MacAddress mac, ref TextBuilder failure)
        {
            long rc = BindQueue(DhcpMessage.ClientPort);
            if (rc < 0)
            {
                failure.Append("DHCP: binding UDP port 68: ");
                XenError.AppendResult(ref failure, rc);
                return false;
            }
            ulong now = PvClock.Now;
            s_dhcp.Start(mac, (uint)(PvClock.ReadTsc() ^ mac.Value ^ (mac.Value >> 32)), now);
            s_dhcpOn = true;
            Idle.Kick(); // the poller sends the first DISCOVER
            if (BoundedWait.Until(&HasAddress, 0, DhcpTimeoutNanoseconds, "DHCP lease")) return true;
            s_dhcpOn = false;
            UdpUnbind(DhcpMessage.ClientPort);
            failure.Append($"no address: no ip= on the command line or in the vif, and no DHCP server answered in {DhcpTimeoutNanoseconds / 1_000_000_000} s (offers {s_dhcp.Offers}, naks {s_dhcp.Naks}, malformed {s_dhcp.Malformed})");
            return false;
        }

        private static bool HasAddress(ulong unused) => s_interface->Address != 0;

        // Replies in, then what is due out; the interface and TCP take a new address, or lose an ended one.
        private static void PollDhcp(ulong now)
        {
            Span<byte> buffer = stackalloc byte[UdpSockets.MaxPayload];
            int n;
            while ((n = s_interface->UdpReceive(DhcpMessage.ClientPort, buffer, out _, out ushort from)) >= 0)
                if (from == DhcpMessage.ServerPort) s_dhcp.Receive(buffer.Slice(0, n < buffer.Length ? n : buffer.Length), now);
            n = s_dhcp.Poll(now, buffer);
            if (n > 0) s_interface->UdpSend(DhcpMessage.ClientPort, 0xFFFFFFFF, DhcpMessage.ServerPort, buffer.Slice(0, n), now);

            uint had = s_interface->Address, has = s_dhcp.IsBound ? s_dhcp.Address : 0;
            if (has == had) return;
            s_interface->SetAddress(has, s_dhcp.PrefixLength, s_dhcp.IsBound ? s_dhcp.Router : 0);
            s_tcp.SetLocalAddress(has);
            if (had == 0) return; // the first lease: Start reports it
            var line = new TextBuilder(stackalloc char[200]);
            if (has == 0) line.Append("# net: the DHCP lease ended unrenewed: no address until a server answers");
            else
            {
                line.Append("# net: DHCP moved us to ");
                AppendAddress(ref line);
                s_interface->LinkUp(now);
            }
            XenConsole.WriteLine(line.Text);
        }
    }
}
