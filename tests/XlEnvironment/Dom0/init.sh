#!/bin/busybox sh
# /init of the test dom0 (Debian's kernel + busybox + xen-utils): brings up the Xen toolstack, runs the
# run's /scenario/scenario.sh, dumps /var/log/xen between markers and powers off (Linux asks Xen for ACPI
# S5: Xen prints "Entering ACPI S5 state" and QEMU exits). The host parses the lines starting with "@@xl "
# (XlResult.cs).
/bin/busybox --install -s /bin
export PATH=/usr/lib/xen-4.17/bin:/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
export HOME=/root
# Plain \n on the console: Xen's serial driver adds the \r, so the host sees one line ending, not two.
stty -onlcr 2>/dev/null

# step NAME COMMAND...: runs the command between markers; its output and exit code reach the host (with
# dom0's uptime, to see where the time goes).
step() {
    _name=$1
    shift
    echo "@@xl step $_name begin"
    "$@" 2>&1
    _rc=$?
    read _uptime _idle < /proc/uptime
    echo "@@xl step $_name rc=$_rc uptime=$_uptime"
    return $_rc
}

# setup NAME COMMAND...: a step the environment needs; if it fails, the run ends at once.
setup() {
    _what=$1
    shift
    step "setup-$_what" "$@" || { echo "@@xl setup failed: $_what"; poweroff -f; }
}

# wait_gone DOMAIN [SECONDS]: waits until the domain no longer exists (it powered off and was destroyed).
wait_gone() {
    _i=0
    while xl domid "$1" >/dev/null 2>&1; do
        _i=$((_i + 1))
        [ $_i -gt $((${2:-60} * 10)) ] && { echo "@@xl timeout waiting for $1 to go"; return 1; }
        usleep 100000
    done
    return 0
}

# wait_state DOMAIN LETTER [SECONDS]: waits until xl list shows the state letter (r b p s c d), e.g. c.
wait_state() {
    _i=0
    while ! xl list "$1" 2>/dev/null | awk -v s="$2" 'NR > 1 && index($5, s) { found = 1 } END { exit !found }'; do
        _i=$((_i + 1))
        [ $_i -gt $((${3:-60} * 10)) ] && { echo "@@xl timeout waiting for $1 to reach state $2"; return 1; }
        usleep 100000
    done
    return 0
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts # xenconsoled gives each guest console a pty; without it xl create stalls
mkdir -p /var/run/xen /var/run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console /var/lock /tmp /root

echo "@@xl dom0 up"
# xenfs needs xen-privcmd loaded first.
for module in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs loop xen-blkback; do
    setup "insmod-$module" insmod "/lib/modules/xen/$module.ko"
done
setup mount-xenfs mount -t xenfs xenfs /proc/xen
setup xenstored xenstored --pid-file=/var/run/xenstored.pid
setup xenconsoled xenconsoled --pid-file=/var/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
setup xen-init-dom0 xen-init-dom0
echo "@@xl ready"

(cd /scenario && . ./scenario.sh)
echo "@@xl scenario rc=$?"

# Let xenconsoled write what the guests' last notifications carried, then hand every log to the host.
sleep 1
for file in $(find /var/log/xen -type f); do
    echo "@@xl file begin ${file#/var/log/xen/}"
    base64 "$file"
    echo "@@xl file end ${file#/var/log/xen/}"
done
echo "@@xl done"
poweroff -f
