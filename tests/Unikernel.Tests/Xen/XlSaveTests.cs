using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// Save, restore, a cancelled suspend and a local live migration under the real toolstack (issue 17): the
// probe (tests/Guests/Probe/SuspendChecks.cs) for the timer, hooks and clock, the Appliance for its keys,
// console and xenstore status. Guests with block and network devices: XlSaveDeviceTests.
public sealed class XlSaveFixture
{
    // type_domain DOMAIN TEXT: types into the console pty xenconsoled gave the domain now (a restored or
    // migrated domain gets a new one). wait_log DOMAIN TEXT [SECONDS [COUNT]]: wait_console across every log of
    // the domain (a migrated domain's console is logged under NAME--incoming, its name while it arrives).
    // Save images go to a tmpfs of their own (the initramfs root is too small for them).
    // /tmp/local-migrate is xl migrate's ssh command for the same host: it drops the host and runs the rest.
    public const string Helpers = """
        type_domain() {
            _id=$(xl domid "$1") || return 1
            _tty=$(xenstore-read "/local/domain/$_id/console/tty") || { echo "no console tty for $1"; return 1; }
            printf "$2" > "$_tty"
        }
        wait_log() {
            _i=0
            while [ "$(cat /var/log/xen/console/guest-$1.log /var/log/xen/console/guest-$1--incoming.log 2>/dev/null | grep -c -F "$2")" -lt "${4:-1}" ]; do
                _i=$((_i + 1))
                [ $_i -gt $((${3:-60} * 10)) ] && { echo "timeout waiting for '$2' from $1"; return 1; }
                usleep 100000
            done
        }
        mount -t tmpfs -o size=160m tmpfs /tmp
        printf '#!/bin/sh\nshift\nexec "$@"\n' > /tmp/local-migrate
        chmod +x /tmp/local-migrate

        """;

    public const string Script = XlScenario.ConsoleHelpers + Helpers + """
        step create-tk xl create tk.cfg
        step tk-ready wait_console tk "echo ready" 60
        step save-tk xl save tk /tmp/tk.save
        step tk-list-after-save xl list
        step restore-tk xl restore /tmp/tk.save
        step rm-tk-save rm /tmp/tk.save
        step tk-resumed wait_log tk "resume hook: restored" 60
        step tk-type type_domain tk 'after restore\r'
        step tk-echo wait_log tk "echo: after restore (13 bytes)" 30
        step tk-timer wait_log tk "timer fired" 90
        step checkpoint-tk xl save -c tk /tmp/tk-checkpoint.save
        step tk-cancelled wait_log tk "resume hook: cancelled" 60
        step rm-tk-checkpoint rm /tmp/tk-checkpoint.save
        step tk-type-2 type_domain tk 'after cancel\r'
        step tk-echo-2 wait_log tk "echo: after cancel (12 bytes)" 30
        step shutdown-tk xl shutdown -w tk
        step create-appliance xl create appliance.cfg
        step appliance-ready wait_console appliance "appliance ready" 60
        step appliance-domid xl domid appliance
        step appliance-type type_domain appliance 'set a 1\rset b 2\rset c three\rget c\r'
        step appliance-set wait_log appliance "value three" 30
        step appliance-type-status type_domain appliance 'status\r'
        step appliance-status wait_log appliance "status ready keys=3 xenstore=published" 30
        step save-appliance xl save appliance /tmp/appliance.save
        step restore-appliance xl restore /tmp/appliance.save
        step rm-appliance-save rm /tmp/appliance.save
        step appliance-resumed wait_log appliance "# appliance: resumed (restored) with 3 keys" 60
        step appliance-restored-domid xl domid appliance
        step appliance-type-2 type_domain appliance 'get a\rget b\rget c\rkeys\r'
        step appliance-keys wait_log appliance "keys 3:" 30
        step appliance-type-status-2 type_domain appliance 'status\r'
        step appliance-status-2 wait_log appliance "status ready keys=3 xenstore=published" 30 2
        step appliance-xenstore-status sh -c 'xenstore-read /local/domain/$(xl domid appliance)/data/appliance/status'
        step migrate-appliance xl migrate -s /tmp/local-migrate appliance localhost
        step appliance-migrated-domid xl domid appliance
        step appliance-type-3 type_domain appliance 'set d 4\rget a\r'
        step appliance-get-3 wait_log appliance "value 1" 30 2
        step appliance-type-status-3 type_domain appliance 'status\r'
        step appliance-status-3 wait_log appliance "status ready keys=4 xenstore=published" 30
        step appliance-xenstore-status-3 sh -c 'xenstore-read /local/domain/$(xl domid appliance)/data/appliance/status'
        step shutdown-appliance xl shutdown -w appliance
        step console-logs ls /var/log/xen/console
        """;

    public XlResult Run { get; }

    public XlSaveFixture()
    {
        // Room for a migration's second copy of the appliance and for the save images in dom0's memory.
        var scenario = XlAsserts.Scenario(Script, 600, "xl-save.log", dom0MemoryMiB: 384, qemuMemoryMiB: 768);
        string probe = Repo.Image("probe");
        scenario.Guests.Add(new XlGuest("tk", probe, XlAsserts.ProbeConfig("tk", "mode=suspend")));
        scenario.Guests.Add(XlAsserts.ApplianceGuest());
        Run = XlSession.Run(scenario);
    }

    // Every console log the domain had (under NAME--incoming while it migrated), oldest first.
    public string Console(string name) => Logs(Run, name);

    public static string Logs(XlResult run, string name) =>
        string.Concat(new[] { $"console/guest-{name}.log", $"console/guest-{name}--incoming.log" }
            .Where(run.Files.ContainsKey).Select(f => System.Text.Encoding.UTF8.GetString(run.Files[f])));
}

[Collection(XenCollection.Name)]
public class XlSaveTests(XlSaveFixture fixture) : IClassFixture<XlSaveFixture>
{
    private readonly XlResult _run = fixture.Run;

    // xl save stops the domain (it is gone from xl list), xl restore brings it back: the resume hook runs in
    // the new domain, the console answers over the new event channel, Clock.Now did not go back, and the
    // timer armed before the save fires after the restore, not early.
    [Fact]
    public void Xl_save_then_restore_resumes_console_clock_and_timers()
    {
        _run.AssertStepOk("save-tk");
        Assert.DoesNotMatch(@"(?m)^tk\s", _run.AssertStepOk("tk-list-after-save"));
        _run.AssertStepOk("restore-tk");
        _run.AssertStepOk("tk-echo");
        _run.AssertStepOk("tk-timer");
        string console = fixture.Console("tk");
        Assert.Contains("suspend hook: timers pending", console);
        Assert.Contains("# suspend: suspending", console);
        Assert.Matches(@"resume hook: restored domid=\d+ clock monotonic", console);
        Assert.Contains("timer fired: restored=1 cancelled=0 on time=yes", console);
        Assert.True(console.IndexOf("resume hook: restored") < console.IndexOf("timer fired"), "the timer fired before the restore");
    }

    // xl save -c suspends, saves and then cancels the suspend: the guest resumes in place (the hypercall
    // returns 1) with its event channels as they were, and goes on echoing.
    [Fact]
    public void A_suspend_the_toolstack_cancels_resumes_in_place()
    {
        _run.AssertStepOk("checkpoint-tk");
        _run.AssertStepOk("tk-echo-2");
        string console = fixture.Console("tk");
        Assert.Contains("# suspend: cancelled by the toolstack: resumed in place", console);
        Assert.Matches(@"resume hook: cancelled domid=\d+ clock monotonic", console);
        _run.AssertStepOk("shutdown-tk");
        Assert.Contains("shutdown hook: poweroff", fixture.Console("tk"));
    }

    // The Appliance holding keys in memory, saved and restored: every key is back, it answers on the
    // console, publishes its status in the new domain's xenstore home, and still shuts down cleanly.
    [Fact]
    public void The_appliance_keeps_its_keys_across_save_and_restore()
    {
        _run.AssertStepOk("appliance-status");
        _run.AssertStepOk("save-appliance");
        _run.AssertStepOk("restore-appliance");
        _run.AssertStepOk("appliance-keys");
        _run.AssertStepOk("appliance-status-2");
        Assert.NotEqual(_run.AssertStepOk("appliance-domid").Trim(), _run.AssertStepOk("appliance-restored-domid").Trim());
        Assert.Equal("ready", _run.AssertStepOk("appliance-xenstore-status").Trim());
        string console = fixture.Console("appliance");
        Assert.Contains("# appliance: suspending with 3 keys", console);
        string afterRestore = console[console.IndexOf("# appliance: resumed (restored)")..];
        Assert.Contains("value 1", afterRestore);
        Assert.Contains("value 2", afterRestore);
        Assert.Contains("value three", afterRestore);
        Assert.Matches(@"keys 3:( [abc]){3}", afterRestore);
        _run.AssertStepOk("shutdown-appliance");
        Assert.Contains("# appliance: goodbye (power off); 4 keys lost (memory only)", fixture.Console("appliance"));
    }

    // xl migrate (to the same host through a local command in place of ssh) is always live: it needs log-dirty
    // tracking, which Xen does for a PV guest with shadow paging, and Debian's Xen 4.17 is built without it
    // (xen/arch/x86/mm/shadow/none.c: enabling log-dirty is -EOPNOTSUPP, errno 95). So the migration fails in
    // the hypervisor before the guest is asked to suspend, and the appliance goes on serving in its domain.
    [Fact]
    public void Live_migration_fails_in_this_hypervisor_build_and_the_appliance_keeps_serving()
    {
        var migrate = _run.Step("migrate-appliance");
        Assert.True(migrate.ExitCode != 0, "xl migrate succeeded: this Xen has log-dirty for PV guests; turn this test into a migration test");
        Assert.Contains("Failed to enable logdirty: 95,", migrate.Output);
        Assert.Equal(_run.AssertStepOk("appliance-restored-domid").Trim(), _run.AssertStepOk("appliance-migrated-domid").Trim());
        _run.AssertStepOk("appliance-get-3");
        _run.AssertStepOk("appliance-status-3");
        Assert.Equal("ready", _run.AssertStepOk("appliance-xenstore-status-3").Trim());
        Assert.Single(Regex.Matches(fixture.Console("appliance"), "# suspend: suspending"));
    }
}
