#!/bin/sh
# /etc/xen/scripts/block of the test dom0 (ours: Debian's needs bash and more). libxl runs it with "add" or
# "remove" and XENBUS_PATH = the disk's backend directory. add puts the file that params names on a loop
# device (read-only for mode "r") and hands it to blkback through physical-device (major:minor in hex, what
# xen-blkback/xenbus.c backend_changed parses); a block device is handed over as it is. Errors go to
# hotplug-error, which xl reports.
fail() {
    xenstore-write "$XENBUS_PATH/hotplug-error" "$1"
    echo "block: $1" >&2
    exit 1
}

case "$1" in
add)
    target=$(xenstore-read "$XENBUS_PATH/params") || fail "no params under $XENBUS_PATH"
    mode=$(xenstore-read "$XENBUS_PATH/mode")
    if [ -b "$target" ]; then
        dev=$target
    else
        [ -f "$target" ] || fail "$target does not exist"
        ro=""
        [ "$mode" = r ] && ro=-r
        # Two disks may be added at once: one losetup -f at a time (busybox has no flock; mkdir is atomic).
        while ! mkdir /var/lock/xen-block 2>/dev/null; do usleep 10000; done
        dev=$(losetup -f) && losetup $ro "$dev" "$target"
        rc=$?
        rmdir /var/lock/xen-block
        [ $rc = 0 ] || fail "no loop device for $target"
        xenstore-write "$XENBUS_PATH/loop-device" "$dev"
    fi
    xenstore-write "$XENBUS_PATH/physical-device-path" "$dev" \
        "$XENBUS_PATH/physical-device" "$(stat -L -c %t:%T "$dev")" \
        "$XENBUS_PATH/hotplug-status" connected || fail "xenstore-write under $XENBUS_PATH failed"
    ;;
remove)
    dev=$(xenstore-read "$XENBUS_PATH/loop-device" 2>/dev/null) && losetup -d "$dev"
    ;;
esac
exit 0
