using System;
using Unikernel.Core.Text;

namespace Unikernel.Core.Net
{
    // What an interface has received, sent and dropped, by reason. Every frame that is not used is counted
    // under exactly one reason, so the drops explain the difference between frames received and frames used.
    public struct NetCounters
    {
        public ulong ReceivedFrames, ReceivedBytes, SentFrames, SentBytes;
        public ulong Delivered; // frames used: ARP handled, echo answered, UDP queued, TCP handed over

        // Receive drops: ReceivedFrames == Delivered + ReceiveDrops.
        public ulong Oversized;            // longer than an Ethernet frame (1514 bytes)
        public ulong MalformedEthernet;
        public ulong VlanTagged;
        public ulong NotForUs;             // another MAC, or a multicast group we did not join
        public ulong UnknownEtherType;
        public ulong MalformedArp;
        public ulong ArpIgnored;           // well-formed, but neither for us nor about a neighbour we know
        public ulong MalformedIpv4;
        public ulong BadIpv4Checksum;
        public ulong Fragments;
        public ulong NotOurAddress;
        public ulong UnknownProtocol;      // includes TCP while no hook is set, and TCP to a broadcast
        public ulong MalformedIcmp;
        public ulong BadIcmpChecksum;
        public ulong IcmpIgnored;          // types we do not answer (echo replies, errors) or echo to a broadcast
        public ulong MalformedUdp;
        public ulong BadUdpChecksum;
        public ulong NoUdpSocket;
        public ulong UdpQueueFull;

        // Send failures and suppressions.
        public ulong ArpUnresolved;        // the next hop's MAC is not known yet (a request is on its way)
        public ulong NoRoute;              // off-subnet without a gateway
        public ulong TooLarge;             // the packet does not fit the MTU
        public ulong TransmitFailed;       // the platform did not take the frame
        public ulong IcmpErrorsSuppressed; // port unreachable messages over the rate limit

        // One status line: "rx 12/3456 tx 10/2345 used 11" (frames/bytes) and then every nonzero reason as " name=count".
        public readonly void AppendTo(ref TextBuilder text)
        {
            text.Append("rx ");
            text.Append(ReceivedFrames);
            text.Append('/');
            text.Append(ReceivedBytes);
            text.Append(" tx ");
            text.Append(SentFrames);
            text.Append('/');
            text.Append(SentBytes);
            text.Append(" used ");
            text.Append(Delivered);
            AppendNonZero(ref text, "oversized", Oversized);
            AppendNonZero(ref text, "bad-eth", MalformedEthernet);
            AppendNonZero(ref text, "vlan", VlanTagged);
            AppendNonZero(ref text, "not-for-us", NotForUs);
            AppendNonZero(ref text, "ethertype", UnknownEtherType);
            AppendNonZero(ref text, "bad-arp", MalformedArp);
            AppendNonZero(ref text, "arp-ignored", ArpIgnored);
            AppendNonZero(ref text, "bad-ip", MalformedIpv4);
            AppendNonZero(ref text, "ip-csum", BadIpv4Checksum);
            AppendNonZero(ref text, "fragment", Fragments);
            AppendNonZero(ref text, "not-our-ip", NotOurAddress);
            AppendNonZero(ref text, "protocol", UnknownProtocol);
            AppendNonZero(ref text, "bad-icmp", MalformedIcmp);
            AppendNonZero(ref text, "icmp-csum", BadIcmpChecksum);
            AppendNonZero(ref text, "icmp-ignored", IcmpIgnored);
            AppendNonZero(ref text, "bad-udp", MalformedUdp);
            AppendNonZero(ref text, "udp-csum", BadUdpChecksum);
            AppendNonZero(ref text, "no-socket", NoUdpSocket);
            AppendNonZero(ref text, "udp-full", UdpQueueFull);
            AppendNonZero(ref text, "arp-unresolved", ArpUnresolved);
            AppendNonZero(ref text, "no-route", NoRoute);
            AppendNonZero(ref text, "too-large", TooLarge);
            AppendNonZero(ref text, "tx-failed", TransmitFailed);
            AppendNonZero(ref text, "icmp-limited", IcmpErrorsSuppressed);
        }

        private static void AppendNonZero(ref TextBuilder text, ReadOnlySpan<char> name, ulong count)
        {
            if (count == 0) return;
            text.Append(' ');
            text.Append(name);
            text.Append('=');
            text.Append(count);
        }

        // Frames dropped on receive, all reasons together.
        public readonly ulong ReceiveDrops =>
            Oversized + MalformedEthernet + VlanTagged + NotForUs + UnknownEtherType + MalformedArp + ArpIgnored
            + MalformedIpv4 + BadIpv4Checksum + Fragments + NotOurAddress + UnknownProtocol + MalformedIcmp
            + BadIcmpChecksum + IcmpIgnored + MalformedUdp + BadUdpChecksum + NoUdpSocket + UdpQueueFull;
    }
}
