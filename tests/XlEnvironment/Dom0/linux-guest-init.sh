#!/bin/busybox sh
# /init of the Linux PV domU the block benchmark compares us with (dom0's own kernel, busybox, xen-blkfront):
# the same workloads as the probe's mode=block-bench on /dev/xvda with O_DIRECT, one request at a time as dd
# makes them, each timed with /proc/uptime; prints "linuxbench,<workload>,<bytes>,<seconds>" lines.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
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
echo "linuxbench-end"
poweroff -f
