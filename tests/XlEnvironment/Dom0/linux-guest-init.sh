#!/bin/busybox sh
# /init of the Linux PV domU the benchmarks compare us with (dom0's own kernel, busybox, xen-blkfront,
# xen-netfront, redis-server, redis-cli). What it does comes from words on its kernel command line (the
# cfg's extra = "..."), read from /proc/cmdline:
#   ukip=ADDR/PREFIX  load xen-netfront and give eth0 this address (e.g. ukip=169.254.0.2/16); prints
#                     "linuxnet: eth0 ADDR/PREFIX up" (or "linuxnet: no eth0")
#   ukpeer=ADDR       then ping ADDR (3 tries): "linuxnet: ping ADDR ok" or "linuxnet: ping ADDR failed"
#   ukrun=block       (the default) the block benchmark: the same workloads as the probe's mode=block-bench on
#                     /dev/xvda with O_DIRECT, one request at a time as dd makes them, each timed with
#                     /proc/uptime, and the random reads with /bin/blk-randread when present; prints
#                     "linuxbench,<workload>,<bytes>,<seconds>" lines, then powers off
#   ukrun=serve       serve the network: redis-server on port 6379 (no persistence, no protected mode), one
#                     nc on port 7000 that prints the sha256 of what it receives ("linuxnet: nc-received
#                     <sha256>"), and for the network benchmark nc servers that repeat: 7001 discards what it
#                     receives, 7002 sends 16 MiB of zeros and closes, 7007 echoes (nc -e cat); prints
#                     "linuxnet: ready" and powers off after ukstay=SECONDS (default 600)
/bin/busybox --install -s /bin
export PATH=/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

run_mode=block
stay=600
for word in $(cat /proc/cmdline); do
    case "$word" in
    ukip=*) net_addr=${word#ukip=} ;;
    ukpeer=*) net_peer=${word#ukpeer=} ;;
    ukrun=*) run_mode=${word#ukrun=} ;;
    ukstay=*) stay=${word#ukstay=} ;;
    esac
done

if [ -n "$net_addr" ]; then
    insmod /lib/modules/xen-netfront.ko
    i=0
    while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 300 ]; do usleep 100000; i=$((i + 1)); done
    ip link set lo up
    if [ -e /sys/class/net/eth0 ] && ip addr add "$net_addr" dev eth0 && ip link set eth0 up; then
        echo "linuxnet: eth0 $net_addr up"
    else
        echo "linuxnet: no eth0"
    fi
    if [ -n "$net_peer" ]; then
        if ping -c 3 -W 2 "$net_peer"; then echo "linuxnet: ping $net_peer ok"; else echo "linuxnet: ping $net_peer failed"; fi
    fi
fi

if [ "$run_mode" = serve ]; then
    mkdir -p /var/lib/redis
    sysctl -w vm.overcommit_memory=1 >/dev/null # what redis-server asks for (its background save forks)
    cd /var/lib/redis
    redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --save '' --appendonly no --daemonize no --loglevel warning &
    i=0
    while ! redis-cli -p 6379 ping >/dev/null 2>&1 && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
    redis-cli -p 6379 ping >/dev/null 2>&1 && echo "linuxnet: redis-server up" || echo "linuxnet: redis-server did not start"
    # nc's stdin is a pipe that stays open: with stdin at EOF busybox nc would shut its sending side at once,
    # and a client that sees that FIN exits before it has sent everything.
    (sleep "$stay" | timeout "$stay" nc -l -p 7000 | sha256sum | sed 's/ .*//; s/^/linuxnet: nc-received /') &
    # The benchmark's peers: persistent nc servers running a program on each connection's socket.
    printf '#!/bin/sh\nexec cat >/dev/null\n' >/bin/uk-discard
    printf '#!/bin/sh\nexec dd if=/dev/zero bs=64k count=256 2>/dev/null\n' >/bin/uk-zeros
    chmod +x /bin/uk-discard /bin/uk-zeros
    nc -ll -p 7001 -e /bin/uk-discard &
    nc -ll -p 7002 -e /bin/uk-zeros &
    nc -ll -p 7007 -e cat &
    echo "linuxnet: ready"
    sleep "$stay"
    poweroff -f
fi

[ "$run_mode" = block ] || { echo "linuxnet: unknown ukrun=$run_mode"; poweroff -f; }
insmod /lib/modules/xen-blkfront.ko
i=0
while [ ! -b /dev/xvda ] && [ $i -lt 300 ]; do usleep 100000; i=$((i + 1)); done
[ -b /dev/xvda ] || { echo "linuxbench: no /dev/xvda"; poweroff -f; }

# run WORKLOAD BYTES COMMAND...
run() {
    _w=$1
    _b=$2
    shift 2
    read _s _i < /proc/uptime
    "$@" 2>/dev/null || echo "linuxbench: $_w failed"
    read _e _i < /proc/uptime
    echo "linuxbench,$_w,$_b,$(awk -v s="$_s" -v e="$_e" 'BEGIN { printf "%.2f", e - s }')"
}
run seq-write-64k 16777216 dd if=/dev/zero of=/dev/xvda bs=64k count=256 oflag=direct conv=fsync
run seq-read-64k 16777216 dd if=/dev/xvda of=/dev/null bs=64k count=256 iflag=direct
run seq-read-4k-qd1 4194304 dd if=/dev/xvda of=/dev/null bs=4k count=1024 iflag=direct
# Random 4 KiB reads one at a time and 32 in flight, when the benchmark added its tool (bench/Tools).
[ -x /bin/blk-randread ] && { blk-randread /dev/xvda 1024 || echo "linuxbench: blk-randread failed"; }
echo "linuxbench-end"
poweroff -f
