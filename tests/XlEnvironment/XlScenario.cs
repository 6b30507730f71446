using System;
using System.Collections.Generic;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// One guest of an xl scenario: its image (copied into the scenario folder under its own file name, which the
// config's kernel = "..." names) and its xl config, written there as <Name>.cfg.
public sealed record XlGuest(string Name, string Image, string Config);

// Another file for /scenario (a guest's ramdisk, say), under Name.
public sealed record XlFile(string Name, string Path);

// What one QEMU boot of the xl environment does: the guests' files land in /scenario, and Script runs there
// under busybox sh in dom0 once xenstored and xenconsoled are up. The script can use the helpers /init
// defines: `step NAME COMMAND...` (output and exit code reach XlResult.Steps), `wait_gone DOMAIN [SECONDS]`
// and `wait_state DOMAIN LETTER [SECONDS]` (a letter of xl list's state column: r b p s c d).
public sealed class XlScenario
{
    // Shell functions a Script can start with (tests and ukbench share them):
    // wait_console DOMAIN TEXT [SECONDS [COUNT]]: waits until the guest's console log holds TEXT (COUNT times).
    // A log not there yet counts 0 (grep -c of a missing file printed nothing, `[ "" -lt 1 ]` failed and
    // the wait returned success at once).
    // type_console DOMAIN TEXT: types TEXT into the guest's console pty, which the guest printed
    // (/dev/pts/N, read from its xenstore console/tty) or else dom0 reads there, as `xl console` would.
    public const string ConsoleHelpers = """
        wait_console() {
            _i=0
            while [ "$(cat "/var/log/xen/console/guest-$1.log" 2>/dev/null | grep -c -F "$2")" -lt "${4:-1}" ]; do
                _i=$((_i + 1))
                [ $_i -gt $((${3:-60} * 10)) ] && { echo "timeout waiting for '$2' from $1"; return 1; }
                usleep 100000
            done
        }
        type_console() {
            _tty=$(grep -o '/dev/pts/[0-9]*' "/var/log/xen/console/guest-$1.log" | tail -n 1)
            [ -n "$_tty" ] || _tty=$(xenstore-read "/local/domain/$(xl domid "$1")/console/tty")
            [ -n "$_tty" ] || { echo "no console tty for $1"; return 1; }
            printf "$2" > "$_tty"
        }

        """;

    // Shell functions for scenarios with Libvirt (virsh talks to libvirtd's libxl driver: xen:///system):
    // start_libvirtd: starts libvirtd and waits until virsh gets an answer from it.
    // virsh_console DOMAIN TEXT EXPECT OUT [SECONDS]: attaches `virsh console` (under script: it refuses to run
    // without a terminal), types TEXT once it is connected, waits until its output holds EXPECT and detaches
    // with Ctrl-]; OUT keeps what it showed. Fails when EXPECT never came.
    public const string LibvirtHelpers = """
        export LIBVIRT_DEFAULT_URI=xen:///system PATH=$PATH:/usr/bin
        start_libvirtd() {
            timeout 60 libvirtd --daemon || return 1 # the parent waits for the daemon's start-up report
            _i=0
            until [ -S /run/libvirt/libvirt-sock ]; do
                _i=$((_i + 1))
                [ $_i -gt 600 ] && { echo "libvirtd made no socket in 60 s"; cat /var/log/libvirt/libvirtd.log; return 1; }
                usleep 100000
            done
            timeout 60 virsh version
        }
        virsh_console() {
            : > "$4"
            (
                _i=0
                until grep -q "Escape character" "$4"; do
                    _i=$((_i + 1)); [ $_i -gt 300 ] && break; usleep 100000
                done
                printf "$2"
                _i=0
                until grep -q -F "$3" "$4"; do
                    _i=$((_i + 1)); [ $_i -gt $((${5:-30} * 10)) ] && break; usleep 100000
                done
                printf '\035'
            ) | timeout $((${5:-30} + 45)) script -q -c "virsh console $1" /dev/null > "$4"
            _rc=$?
            cat "$4"
            echo "virsh console rc=$_rc"
            grep -q -F "$3" "$4"
        }

        """;

    public List<XlGuest> Guests { get; } = new();
    public List<XlFile> Files { get; } = new();
    public required string Script { get; init; }
    // Appends LibvirtLayer (libvirtd, its libxl driver, virsh: about 60 MiB more to boot) to dom0's initramfs.
    public bool Libvirt { get; init; }
    // Dom0 (Linux, xenstored, xenconsoled, xl) needs about 130 MiB; the guests get what Xen has left.
    public int Dom0MemoryMiB { get; init; } = 256;
    public int QemuMemoryMiB { get; init; } = 512;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(240);
    // Null: real time. Else QEMU's -icount shift (virtual time counts instructions: figures that do not move with
    // the host's load). Linux as dom0 ran away at shift=7 (128 ns per instruction) and runs at 3 (8 ns).
    public int? IcountShift { get; init; }
    public string CacheDir { get; init; } = XenDistribution.DefaultCacheDir;
    public string? SerialLog { get; init; }
    // A live console (ukxl run --console): what is typed, after which line, what is echoed, and Ctrl-C.
    public ConsoleInput? Input { get; init; }
    public string? InputAfter { get; init; }
    public EchoFilter? EchoFilter { get; init; }
    public System.Threading.CancellationToken Cancel { get; init; }
    // Where the dom0 download and build and the boot's waiting report (ukxl run: stderr); null: to the echo, if any.
    public System.IO.TextWriter? Progress { get; init; }
}
