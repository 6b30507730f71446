#!/bin/sh
# /etc/xen/scripts/vif-bridge of the test dom0 (ours: Xen's needs bash, iptables and more), the default
# script= of a vif. libxl (tools/libs/light/libxl_linux.c) runs it with "online type_if=vif" once netback made
# the interface and "offline type_if=vif" when the device goes (xl destroy, guest shutdown), with
# XENBUS_PATH = backend/vif/DOMID/DEVID and vif = netback's interface name, vifDOMID.DEVID.
# online: the vif (renamed to $XENBUS_PATH/vifname when the config gives one) gets the MAC fe:ff:ff:ff:ff:ff
# (so the bridge never takes the vif's address for its own) and mtu 1500, joins the bridge $XENBUS_PATH/bridge
# names (xenbr0 by default), goes up, and hotplug-status = connected tells libxl it is done.
# offline: it leaves its bridge and goes down (netback may have removed it already).
# Each call leaves a line in /var/log/xen/vif-bridge.log; errors go to hotplug-error, which xl reports.
log() {
    read _uptime _idle < /proc/uptime
    echo "$_uptime vif-bridge $*" >> /var/log/xen/vif-bridge.log
}

fail() {
    log "error: $1"
    xenstore-write "$XENBUS_PATH/hotplug-error" "$1" "$XENBUS_PATH/hotplug-status" error
    echo "vif-bridge: $1" >&2
    exit 1
}

# iproute2's ip: busybox sh would run its own applet for plain "ip".
ip=/usr/sbin/ip

[ -n "$XENBUS_PATH" ] || { echo "vif-bridge: no XENBUS_PATH" >&2; exit 1; }
[ -n "$vif" ] || fail "no vif name in the environment"
dev=$vif
vifname=$(xenstore-read "$XENBUS_PATH/vifname" 2>/dev/null)

case "$1" in
online | add)
    bridge=$(xenstore-read "$XENBUS_PATH/bridge" 2>/dev/null)
    [ -n "$bridge" ] || bridge=xenbr0
    [ -d "/sys/class/net/$bridge/bridge" ] || fail "no bridge $bridge in dom0"
    if [ -n "$vifname" ] && [ "$vifname" != "$dev" ]; then
        $ip link set dev "$dev" name "$vifname" || fail "could not rename $dev to $vifname"
        dev=$vifname
    fi
    [ -e "/sys/class/net/$dev" ] || fail "netback made no interface $dev"
    $ip link set dev "$dev" down &&
        $ip link set dev "$dev" address fe:ff:ff:ff:ff:ff &&
        $ip link set dev "$dev" mtu 1500 || fail "could not set up $dev"
    if [ ! -e "/sys/class/net/$bridge/brif/$dev" ]; then
        $ip link set dev "$dev" master "$bridge" || fail "could not add $dev to bridge $bridge"
    fi
    $ip link set dev "$dev" up || fail "could not bring $dev up"
    xenstore-write "$XENBUS_PATH/hotplug-status" connected || fail "xenstore-write under $XENBUS_PATH failed"
    log "online $dev bridge $bridge"
    ;;
offline | remove)
    [ -n "$vifname" ] && dev=$vifname
    if [ -e "/sys/class/net/$dev/brport" ]; then
        bridge=$(basename "$(readlink "/sys/class/net/$dev/master")")
        $ip link set dev "$dev" nomaster
        $ip link set dev "$dev" down
        log "offline $dev left bridge $bridge"
    else
        log "offline $dev (on no bridge)"
    fi
    ;;
*)
    fail "unknown command '$1'"
    ;;
esac
exit 0
