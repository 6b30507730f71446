using System;
using Unikernel.Core;
using Unikernel.Core.Net;
using Unikernel.Core.Text;
using Unikernel.Core.Time;

namespace Unikernel.Xen
{
    // The domain's network: the first vif (device/vif/<lowest id>) through netfront, our IPv4 stack on it,
    // its address from the command line (ip=a.b.c.d[/n], gw=a.b.c.d), else from the vif's xenstore "ip" key
    // (xl cfg: vif = ['ip=...']), else (or with ip=dhcp) from a DHCP server. Started on first use. Packets and timers are handled by an idle poller, so
    // they are processed whenever the application waits (Console.ReadLine, a socket's waiting form,
    // Lifecycle.WaitUntil); nothing runs inside the event handler but a kick.
    internal static unsafe partial class NetworkService
    {
        private const int FrontPages = 2;

        private static NetFront* s_front;
        private static NetworkInterface* s_interface;
        private static byte* s_largeSend; // the interface's own large-send buffer, LargePages + 1 pages
        private static byte* s_largeTarget; // where large frames are built now: s_largeSend or a netfront buffer
        private static bool s_started, s_failed, s_timerArmed, s_wired; // s_wired: packets flow (DHCP may still run)
        private static TimerHandle s_timer;
        private static ulong s_timerAt;

        public const int UdpQueueLength = 8;
        public const int UdpMaxPayload = UdpSockets.MaxPayload;
        private const ulong ArpWaitNanoseconds = 3_000_000_000;
        private const ulong UdpQueuePages = ((ulong)UdpQueueLength * UdpSockets.SlotBytes + 4095) / 4096;

        private struct UdpQueues { public fixed ushort Ports[UdpSockets.Capacity]; public fixed ulong Memory[UdpSockets.Capacity]; }
        private static UdpQueues s_udp;

        public static bool IsStarted => s_started;

        // Whether the toolstack gave this domain a vif (without starting anything).
        public static bool HasVif
        {
            get
            {
                if (!XenStoreService.IsAvailable) return false;
                Span<byte> ids = stackalloc byte[64];
                return XenStoreService.Directory("device/vif", ids) > 0;
            }
        }
        public static bool IsUp => s_started && s_front->LinkUp;
        public static NetworkInterface* Interface => s_interface;
        public static NetFront* Front => s_front;

        // Connects the vif and starts the stack once; false (with a "# net:" line saying why, once) when there
        // is no vif, no address or the backend did not connect.
        public static bool Start()
        {
            if (s_started) return true;
            if (s_failed) return false;
            s_failed = true; // until it worked: one attempt, one message
            var failure = new TextBuilder(stackalloc char[200]);
            if (!TryStart(ref failure))
            {
                var line = new TextBuilder(stackalloc char[240]);
                line.Append($"# net: not started: {failure.Text}");
                XenConsole.WriteLine(line.Text);
                return false;
            }
            s_failed = false;
            s_started = true;
            return true;
        }

        private static bool TryStart(ref TextBuilder failure)
        {
            if (!XenStoreService.IsAvailable) { failure.Append("no xenstore"); return false; }
            Span<byte> ids = stackalloc byte[XenbusDevices.MaxListing];
            long n = XenStoreService.Directory("device/vif", ids);
            ulong lowest = ulong.MaxValue;
            if (n > 0)
                foreach (var name in XenbusDevices.Names(ids.Slice(0, (int)n)))
                    if (XenStoreService.ParseDecimal(ids.Slice(name.Start, name.Length), out ulong number) && number < lowest) lowest = number;
            if (lowest == ulong.MaxValue) { failure.Append("no vif (add vif = ['bridge=xenbr0'] to the xl cfg)"); return false; }

            if (sizeof(NetFront) > FrontPages * 4096) Panic.Fail("netfront: device state larger than its pages");
            var front = (NetFront*)FramePool.AllocatePages(FrontPages);
            if (front == null) { failure.Append("no memory for the device"); return false; }
            new Span<byte>(front, FrontPages * 4096).Clear();
            var id = new TextBuilder(stackalloc char[8]);
            id.Append(lowest);
            var why = new TextBuilder(stackalloc char[160]);
            XenbusFrontend.Connecting++;
            long rc = NetFront.Connect(front, id.Text, ref why);
            XenbusFrontend.Connecting--;
            if (rc < 0)
            {
                failure.Append("vif/");
                failure.Append(lowest);
                failure.Append(": ");
                failure.Append(why.Text);
                return false; // its pages stay: the backend may hold grants on them
            }
            s_front = front;

            if (!ReadAddress(front, out uint address, out int prefix, out uint gateway, out bool dhcp, ref failure)) return false;
            ulong pages = ((ulong)sizeof(NetworkInterface) + 4095) / 4096;
            var iface = (NetworkInterface*)FramePool.AllocatePages(pages);
            if (iface == null) { failure.Append("no memory for the stack"); return false; }
            var mac = MacAddress.Read(new ReadOnlySpan<byte>(front->Mac, MacAddress.Bytes), 0);
            *iface = new NetworkInterface(mac, address, prefix, gateway, &Transmit, (ulong)front);
            iface->AcceptLargeTcp(); // netfront gathers dom0's GSO segments (feature-gso-tcpv4)
            if (front->LargeSend)
            {
                // Large segments are built in a free one of netfront's granted buffers (TCP's scratch is
                // there too), so they go out without a copy; here while the backend holds all of them.
                var large = (byte*)FramePool.AllocatePages(NetFront.LargePages + 1);
                if (large != null) iface->EnableLargeSend(large, NetFront.MaxLargeSendFrame);
                s_largeSend = s_largeTarget = large;
            }
            s_interface = iface;
            if (!StartTcp(address, ref failure)) return false;
            front->Deliver = &Deliver;
            front->DeliverContext = (ulong)iface;
            Idle.AddPoller(&Poll);
            ShutdownControl.AddHook(&OnShutdown);
            SuspendResume.AddDeviceHooks(null, &OnResume); // nothing to quiesce: TCP resends what a suspend loses
            s_wired = true;
            if (dhcp && !AcquireLease(mac, ref failure)) return false;
            iface->LinkUp(PvClock.Now); // gratuitous ARP: the bridge and dom0 learn us at once

            var line = new TextBuilder(stackalloc char[200]);
            line.Append($"# net: vif/{lowest} up, mac ");
            AppendMac(ref line, front);
            line.Append(", address ");
            AppendAddress(ref line);
            XenConsole.WriteLine(line.Text);
            Idle.Kick(); // packets may already wait
            return true;
        }

        // The interface's address, prefix, gateway, and where they came from.
        private static void AppendAddress(ref TextBuilder line)
        {
            Ipv4Text.Append(ref line, s_interface->Address);
            line.Append($"/{NetworkInterface.PrefixOf(s_interface->Netmask)}");
            if (s_interface->Gateway != 0)
            {
                line.Append(", gateway ");
                Ipv4Text.Append(ref line, s_interface->Gateway);
            }
            if (s_dhcpOn)
            {
                line.Append(" (DHCP from ");
                Ipv4Text.Append(ref line, s_dhcp.Server);
                line.Append($", lease {s_dhcp.LeaseSeconds} s)");
            }
        }

        // ip= (and gw=) on the command line win; else the backend's "ip" key (its first address); else, or
        // with ip=dhcp, DHCP (dhcp true, address 0).
        private static bool ReadAddress(NetFront* front, out uint address, out int prefix, out uint gateway, out bool dhcp, ref TextBuilder failure)
        {
            gateway = 0;
            dhcp = false;
            var commandLine = new KernelCommandLine(Domain.CommandLine);
            bool hasIp = commandLine.TryGet("ip", out ReadOnlySpan<byte> value, out _);
            if (hasIp && KernelCommandLine.Equals(value, "dhcp"))
            {
                address = 0;
                prefix = 0;
                dhcp = true;
                return true;
            }
            if (hasIp)
            {
                if (!Ipv4Text.TryParseWithPrefix(value, out address, out prefix))
                {
                    failure.Append("ip= on the command line is not a.b.c.d or a.b.c.d/n");
                    return false;
                }
            }
            else
            {
                Span<byte> key = stackalloc byte[64];
                long n = XenbusFrontend.ReadKey(front->Front.BackPath, "ip", key);
                int end = 0;
                while (n > 0 && end < n && key[end] != (byte)' ') end++;
                if (n <= 0)
                {
                    address = 0; // neither given: ask a DHCP server
                    prefix = 0;
                    dhcp = true;
                    return true;
                }
                if (!Ipv4Text.TryParseWithPrefix(key.Slice(0, end), out address, out prefix))
                {
                    failure.Append("the vif's ip key is not an IPv4 address");
                    return false;
                }
            }
            if (commandLine.TryGet("gw", out value, out _) && !Ipv4Text.TryParse(value, out gateway))
            {
                failure.Append("gw= on the command line is not a.b.c.d");
                return false;
            }
            return true;
        }

        private static void AppendMac(ref TextBuilder text, NetFront* front)
        {
            for (int i = 0; i < 6; i++)
            {
                if (i > 0) text.Append(':');
                text.Append((ulong)front->Mac[i], "x2");
            }
        }

        private static bool Transmit(ulong context, ReadOnlySpan<byte> frame, int segmentSize)
        {
            var front = (NetFront*)context;
            bool sent = NetFront.Transmit(front, frame, segmentSize);
            // The buffer just posted is the backend's until it answers: the next large frame goes elsewhere.
            if (sent && segmentSize > 0 && s_largeSend != null) BuildLargeIn(NetFront.FreeLargeBuffer(front));
            return sent;
        }

        // Points the interface's large frames and TCP's scratch at buffer (LargePages + 1 pages), or at our
        // own buffer when null. Only between segments: nothing built in the old place is needed after.
        private static void BuildLargeIn(byte* buffer)
        {
            if (buffer == null) buffer = s_largeSend;
            if (buffer == s_largeTarget) return;
            s_largeTarget = buffer;
            s_interface->EnableLargeSend(buffer, NetFront.MaxLargeSendFrame);
            if (!ScratchInLargeFrame(buffer)) Panic.Fail("net: TCP refused a large-send buffer as its scratch (smaller than at start)");
        }

        // TCP's scratch where the interface's large frame, built in buffer (LargePages + 1 pages), carries its payload.
        private static bool ScratchInLargeFrame(byte* buffer)
        {
            byte* payload = s_interface->LargeSendPayload;
            return s_tcp.UseScratch(payload, (NetFront.LargePages + 1) * 4096 - (int)(payload - buffer));
        }

        private static void Deliver(ulong context, byte* frame, int length, bool validated) =>
            ((NetworkInterface*)context)->ReceiveFrame(new ReadOnlySpan<byte>(frame, length), validated, PvClock.Now);

        // The idle poller: packets in, then whatever timers are due, then the timer for the next deadline.
        public static void Poll()
        {
            if (!s_wired) return;
            NetFront.CheckLink(s_front);
            s_tcp.DeferOutput = true; // one answer per batch of packets: the Poll below sends it
            NetFront.Poll(s_front);
            s_tcp.DeferOutput = false;
            ulong now = PvClock.Now;
            if (s_interface->NextDeadline <= now) s_interface->Poll(now);
            s_tcp.Poll(now); // acknowledgments and data the packets made due, and the timers
            if (s_dhcpOn) PollDhcp(now);
            ulong deadline = s_interface->NextDeadline, tcp = s_tcp.NextDeadline;
            if (tcp < deadline) deadline = tcp;
            if (s_dhcpOn && s_dhcp.NextDeadline < deadline) deadline = s_dhcp.NextDeadline;
            Arm(deadline);
        }

        private static void Arm(ulong deadline)
        {
            if (s_timerArmed && s_timerAt == deadline) return;
            if (s_timerArmed) VcpuTimer.Cancel(s_timer);
            s_timerArmed = deadline != ulong.MaxValue;
            s_timerAt = deadline;
            if (s_timerArmed) s_timer = VcpuTimer.StartAt(deadline, &OnTimer, 0);
        }

        private static void OnTimer(ulong unused)
        {
            s_timerArmed = false;
            Idle.Kick();
        }

        public static void AppendCounters(ref TextBuilder text)
        {
            if (!s_started) { text.Append("net: not started"); return; }
            NetFrontCounters c = s_front->Counters;
            var vif = new TextBuilder(stackalloc char[320]); // interpolating into a ref parameter could let it escape
            vif.Append($"vif rx={c.RxPackets}/{c.RxBytes}B ({c.RxLarge} large, {c.RxInPlace} in place, {c.RxMoved}B moved) tx={c.TxPackets}/{c.TxBytes}B ({c.TxLarge} large, {c.TxInPlace} in place) rx_errors={c.RxErrors} rx_malformed={c.RxMalformed} rx_bad_fragment={c.RxBadFragment} rx_overlong={c.RxOverlong} last_bad={c.LastBadStatus}@{c.LastBadOffset}/{c.LastBadFlags} tx_busy={c.TxBusy} tx_errors={c.TxErrors} events={c.Events} notifications={c.Notifications} blocks={Idle.BlockCount} blocked-ms={Idle.BlockedNanoseconds / 1_000_000} up-ms={PvClock.Now / 1_000_000}; ");
            text.Append(vif.Text);
            s_interface->Counters.AppendTo(ref text);
            text.Append("; ");
            s_tcp.Counters.AppendTo(ref text);
            if (!s_dhcpOn) return;
            var dhcp = new TextBuilder(stackalloc char[120]);
            dhcp.Append($"; dhcp offers={s_dhcp.Offers} acks={s_dhcp.Acks} naks={s_dhcp.Naks} losses={s_dhcp.Losses} ignored={s_dhcp.Ignored} malformed={s_dhcp.Malformed}");
            text.Append(dhcp.Text);
        }

        // 0, or -EADDRINUSE (taken, or every socket in use), -ENETDOWN, -ENOMEM.
        public static long UdpBind(ushort port) => Start() ? BindQueue(port) : XenError.ENETDOWN;

        private static long BindQueue(ushort port)
        {
            int free = -1;
            for (int i = 0; i < UdpSockets.Capacity; i++)
            {
                if (s_udp.Ports[i] == port && port != 0) return XenError.EADDRINUSE;
                if (s_udp.Ports[i] == 0 && free < 0) free = i;
            }
            if (port == 0 || free < 0) return XenError.EADDRINUSE;
            byte* queue = (byte*)FramePool.AllocatePages(UdpQueuePages);
            if (queue == null) return XenError.ENOMEM;
            if (!s_interface->UdpBind(port, queue, (int)(UdpQueuePages * 4096)))
            {
                FramePool.FreePages(queue, UdpQueuePages);
                return XenError.EADDRINUSE;
            }
            s_udp.Ports[free] = port;
            s_udp.Memory[free] = (ulong)queue;
            return 0;
        }

        public static void UdpUnbind(ushort port)
        {
            for (int i = 0; i < UdpSockets.Capacity; i++)
            {
                if (s_udp.Ports[i] != port || port == 0) continue;
                s_interface->UdpUnbind(port);
                FramePool.FreePages((void*)s_udp.Memory[i], UdpQueuePages);
                s_udp.Ports[i] = 0;
                s_udp.Memory[i] = 0;
            }
        }

        public static int UdpReceive(ushort port, Span<byte> buffer, out uint address, out ushort fromPort, bool wait)
        {
            address = 0;
            fromPort = 0;
            if (!s_started) return (int)XenError.ENETDOWN;
            if (!s_interface->UdpIsBound(port)) return (int)XenError.EINVAL;
            while (true)
            {
                int n = s_interface->UdpReceive(port, buffer, out address, out fromPort);
                if (n >= 0) return n;
                if (!wait) return (int)XenError.EAGAIN;
                Idle.WaitUntil(&UdpReady, port, "UdpSocket.Receive");
            }
        }

        private static bool UdpReady(ulong port) => s_interface->UdpQueued((ushort)port) > 0;

        public static bool UdpHasDatagram(ushort port) => s_started && UdpReady(port);

        public static long UdpSend(ushort localPort, uint address, ushort port, ReadOnlySpan<byte> data)
        {
            if (!Start()) return XenError.ENETDOWN;
            if (data.Length > UdpMaxPayload) return XenError.EMSGSIZE;
            ulong deadline = PvClock.Now + ArpWaitNanoseconds;
            while (true)
            {
                SendStatus status = s_interface->UdpSend(localPort, address, port, data, PvClock.Now);
                if (status == SendStatus.Sent) return 0;
                if (status == SendStatus.NoRoute) return XenError.ENETUNREACH;
                if (status == SendStatus.TooLarge) return XenError.EMSGSIZE;
                if (status == SendStatus.TransmitFailed) return XenError.ENOBUFS;
                if (PvClock.Now >= deadline) return XenError.EHOSTUNREACH;
                Idle.Sleep(5_000_000); // the ARP answer is handled by the poller meanwhile
            }
        }

        // In a new domain the vif is connected again (its MAC read again) and the neighbours are told where we
        // are now (a gratuitous ARP: the bridge learns the new backend's port). The stack's state, TCP
        // connections included, is in our memory and goes on.
        private static void OnResume(bool newDomain)
        {
            if (!newDomain) return;
            var failure = new TextBuilder(stackalloc char[160]);
            XenbusFrontend.Connecting++;
            long rc = NetFront.Resume(s_front, newDomain, ref failure);
            XenbusFrontend.Connecting--;
            var line = new TextBuilder(stackalloc char[256]);
            if (rc < 0)
            {
                line.Append($"# net: vif/{s_front->Id} not reconnected after the restore, the link is down: {failure.Text}");
                XenConsole.WriteLine(line.Text);
                return;
            }
            var mac = MacAddress.Read(new ReadOnlySpan<byte>(s_front->Mac, MacAddress.Bytes), 0);
            bool changed = !mac.Equals(s_interface->Mac);
            if (changed) s_interface->ChangeMac(mac);
            s_interface->LinkUp(PvClock.Now);
            line.Append($"# net: vif/{s_front->Id} reconnected to {s_front->Front.BackPath}, mac ");
            AppendMac(ref line, s_front);
            line.Append(changed ? " (changed)" : " (unchanged)");
            XenConsole.WriteLine(line.Text);
            Idle.Kick();
        }

        private static void OnShutdown(ShutdownReason reason)
        {
            if (!s_started) return;
            FlushTcp(); // writes left for the next poll still leave (the peer may not get all: no waiting here)
            NetFront.Disconnect(s_front);
            XenConsole.WriteLine("# net: closed");
        }
    }
}
