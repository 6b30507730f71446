#!/bin/busybox sh
# /init of the test dom0 (Debian's kernel + busybox + xen-utils): brings up the Xen toolstack, runs the
# run's /scenario/scenario.sh, dumps /var/log/xen between markers and powers off (Linux asks Xen for ACPI
# S5: Xen prints "Entering ACPI S5 state" and QEMU exits). The host parses the lines starting with "@@xl "
# (XlResult.cs).
/bin/busybox --install -s /bin
export PATH=/usr/lib/xen-4.17/bin:/bin:/usr/sbin
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
# xenfs needs xen-privcmd loaded first; bridge needs stp, which needs llc.
for module in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs loop xen-blkback xen-netback llc stp bridge sch_netem sch_ingress cls_matchall act_gact; do
    setup "insmod-$module" insmod "/lib/modules/xen/$module.ko"
done
# The test network: guests' vifs join the bridge xenbr0 (vif=['bridge=xenbr0'], /etc/xen/scripts/vif-bridge),
# where dom0 is 169.254.0.1/16 (link-local: nothing here reaches beyond dom0; QEMU has -nic none). No STP
# and no forwarding delay, so a port forwards as soon as it is up. iproute2's ip (busybox's brctl has only
# addbr/delbr/addif/delif); `bridge link show` or `ip -o link show master xenbr0` lists the ports.
# Busybox's sh runs its own applets before anything on PATH; scenarios get iproute2's ip and tc (netem) by
# these names. Only here: a sh -c in a step gets busybox's again (call /usr/sbin/ip there).
ip() { /usr/sbin/ip "$@"; }
tc() { /usr/sbin/tc "$@"; }
setup lo-up ip link set lo up
setup xenbr0 sh -c '/usr/sbin/ip link add name xenbr0 type bridge stp_state 0 forward_delay 0 &&
    /usr/sbin/ip addr add 169.254.0.1/16 dev xenbr0 && /usr/sbin/ip link set xenbr0 up'
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
