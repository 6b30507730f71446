using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Unikernel.Tools.Ukboot.Image;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

[Collection(XenCollection.Name)]
public class ProbeBootTests
{
    [Fact]
    public void Runtime_features_work_in_the_guest()
    {
        var boot = Boots.Run("probe", "mode=runtime");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        int checks = Boots.AssertGuestChecksPassed(boot);
        Assert.True(checks >= 12, $"only {checks} checks ran:\n{boot.Tail()}");
        Boots.AssertContains("runtime checks: 0 failed", boot);
    }

    // ilc's stack-buffer cookie is random per boot: two boots, two cookies, neither the image's placeholder.
    // The CPU offers RDRAND, as every current x86 does (-icount makes the TSC the same in every boot).
    [Fact]
    public void The_stack_cookie_differs_between_boots()
    {
        string Cookie()
        {
            var boot = Boots.Run("probe", "mode=runtime", cpuModel: "qemu64,+rdrand");
            Boots.AssertOutcome(BootOutcome.PowerOff, boot);
            var m = Regex.Match(boot.Log, @"stack cookie: 0x([0-9a-f]{16}) from rdrand");
            Assert.True(m.Success, boot.Tail());
            return m.Groups[1].Value;
        }
        string first = Cookie(), second = Cookie();
        Assert.NotEqual(first, second);
        Assert.NotEqual("2b992ddfa232d00d", first);
    }

    // After boot no page is both writable and executable (Linux's CONFIG_DEBUG_WX check), Xen's start-of-day
    // mapping outside the image included, and what is executable fits in the image's text.
    [Fact]
    public void No_page_is_writable_and_executable_after_boot()
    {
        var boot = Boots.RunProbeChecks("mode=wx", 3, "wx");
        Assert.Matches(@"wx: mapped=\d+ executable=\d+ writable\+executable=0 ", boot.Log);
    }

    // The Xen ops table masks and unmasks through the real vcpu_info, nested save/restore included.
    [Fact]
    public void Event_masking_through_the_ops_table_nests_on_real_xen()
    {
        Boots.RunProbeChecks("mode=irqflags", 6, "irqflags");
    }

    // Timers, idle blocking, masked delivery and a 10,000-event storm under random masking (EventChecks.cs).
    // A fresh seed each run, printed by the guest so a failure can be replayed with seed=.
    [Fact]
    public void Events_timers_and_idle_behave_on_real_xen()
    {
        ulong seed = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var boot = Boots.RunProbeChecks($"mode=events seed=0x{seed:x}", 25, "events");
        Boots.AssertContains($"storm seed=0x{seed:x} sent=10000 delivered=10000 ", boot);
        Assert.Equal(4, Regex.Matches(boot.Log, @"^timer delay=\d+ late=\d+$", RegexOptions.Multiline).Count);

        // Xen sets the wall clock from the emulated RTC, which QEMU starts at the host's time.
        var wall = Regex.Match(boot.Log, @"wallclock unix-seconds=(\d+)");
        Assert.True(wall.Success, boot.Tail());
        Assert.InRange(long.Parse(wall.Groups[1].Value), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60);
    }

    // CPUID through Xen's emulation with the PV filter, set_pte + TLB flushes remapping a page, write_cr3,
    // and safe_halt waking on a timer (ParavirtChecks.cs).
    [Fact]
    public void Mmu_cpuid_and_halt_ops_work_on_real_xen()
    {
        Boots.RunProbeChecks("mode=paravirt", 5, "paravirt");
    }

    // The xenstore client against crafted replies in a ring in memory (XenStoreWireChecks.cs).
    [Fact]
    public void Xenstore_replies_are_validated_before_use()
    {
        Boots.RunProbeChecks("mode=xenstore-wire", 9, "xenstore-wire");
    }

    // Interpolated strings in the guest (InterpolationChecks.cs): TextBuilder.Append($"...") against plain
    // appends in the guest, then Console's handler printing lines compared here with .NET's formatting.
    [Fact]
    public void Interpolated_strings_format_in_the_guest_as_dotnet_formats_them()
    {
        var boot = Boots.RunProbeChecks("mode=interpolation", 6, "interpolation");

        // The guest's values and its interpolated string, formatted by .NET.
        int i = -42;
        uint u = 0xdeadbeef;
        long l = long.MinValue;
        ulong ul = ulong.MaxValue, small = 0x1f2e;
        char c = 'Z';
        bool yes = true, no = false;
        string s = "probe", span = "span";
        string? nothing = null;
        string values = FormattableString.Invariant(
            $"values: i={i} u={u} l={l} ul={ul} hex={i:x}/{u:X}/{l:x}/{small:x8}/{ul:X} d={i:d5}/{l:D22} c={c} b={yes}/{no} s={s} span={span} null=[{nothing}]");
        Assert.Equal(values, GuestLine(boot, "values: "));
        Assert.Equal($"long: {new string('.', 600)} end=600", GuestLine(boot, "long: "));
        Assert.Equal("pieces: -42 -9223372036854775808 bytes end", GuestLine(boot, "pieces: "));
        Assert.Single(Regex.Matches(boot.Log, "^-1$", RegexOptions.Multiline));
    }

    // Everyday C# in the guest (EverydayChecks.cs): span helpers, integer parsing and formatting, Math and
    // the fixed-capacity collections over pages, then values parsed and formatted in the guest compared here
    // with .NET's.
    [Fact]
    public void Everyday_span_number_math_and_collection_helpers_work_in_the_guest()
    {
        var boot = Boots.RunProbeChecks("mode=everyday", 13, "everyday");
        int parsed = int.Parse("  -1234567 ", CultureInfo.InvariantCulture);
        long big = long.Parse("9007199254740993", CultureInfo.InvariantCulture);
        Assert.Equal(FormattableString.Invariant($"everyday-values: {(long)parsed * 3} {big} {Math.Abs(parsed)} {Math.Clamp(big, 0, 1000)}"),
            GuestLine(boot, "everyday-values: "));
    }

    private static string GuestLine(BootResult boot, string prefix)
    {
        var lines = boot.Log.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"expected one line starting \"{prefix}\", found {lines.Length}:\n{boot.Tail()}");
        return lines[0];
    }

    // Lines typed on the serial line reach dom0's console input (VIRQ_CONSOLE + console_io read) and the
    // guest answers each: a plain line, an overlong one (cut and flagged), binary junk, then quit.
    [Fact]
    public void Typed_lines_reach_the_guest_and_it_answers()
    {
        string overlong = new string('x', 300);
        var boot = Boots.Run("probe", "mode=console-echo", replies:
        [
            new SerialReply("echo ready", "hello world\r"),
            new SerialReply("echo: hello world (11 bytes)", overlong + "\r"),
            new SerialReply("echo: xxxx", "a\u0001\u007fb\n"),
            new SerialReply("echo: a??b (4 bytes)", "quit\r"),
        ]);
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        Boots.AssertContains("echo: hello world (11 bytes)", boot);
        Boots.AssertContains($"echo: {new string('x', 256)} (256 bytes, truncated)", boot);
        Boots.AssertContains("echo: a??b (4 bytes)", boot);
        Boots.AssertContains("echo: quit (4 bytes)", boot);
    }

    [Theory]
    [InlineData("exit3", "panic: Main returned 3")]
    [InlineData("hypercall", "panic: hypercall xen_version(0x7fff) failed: -38 (ENOSYS)")]
    [InlineData("throw", "panic: unhandled exception: probe threw on purpose")]
    [InlineData("bounds", "panic: index out of range")]
    [InlineData("heap", "panic: out of heap memory: raise UnikernelHeapSize (")]
    [InlineData("nonsense", "probe: unknown mode")]
    [InlineData("halt-masked", "panic: halt with events masked would never wake")]
    [InlineData("sleep-in-callback", "panic: Clock.Sleep inside an event handler or timer callback: callbacks must not wait")]
    public void Failures_print_what_failed_and_crash_the_domain(string mode, string message)
    {
        var boot = Boots.Run("probe", "mode=" + mode);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains(message, boot);
    }

    // Page 0 is unmapped at entry; our trap handler names the fault, dumps registers and a backtrace whose
    // function names the guest looks up itself (GuestSymbols.cs).
    [Fact]
    public void Null_dereference_is_reported_with_registers_and_backtrace()
    {
        // No help from the host: the names come from the table the guest carries.
        var boot = Boots.Run("probe", "mode=null", symbolize: false);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Assert.Matches(@"panic: page fault at rip=0x[0-9a-f]+ error=0x[0-9a-f]+ address=0x0 \(read, not present\): null dereference", boot.Log);
        Assert.Matches(@" rip=0x[0-9a-f]{16} rflags=0x[0-9a-f]{16} cs=0x000000000000e03[0-3]", boot.Log);
        Assert.Matches(@"  #0 0x[0-9a-f]+ Probe_Program__Main", boot.Log);
        Assert.Matches(@"  #\d+ 0x[0-9a-f]+ Probe_UnikernelEntry__Main", boot.Log); // the generated uk_app_main
        Assert.Matches(@"  #\d+ 0x[0-9a-f]+ Unikernel_Xen_Unikernel_Xen_XenEntry__Entry", boot.Log); // uk_boot_entry
        // Every frame's name and offset, decoded from the front-coded table, are the image's own.
        var functions = GuestSymbolTable.TextSymbols(System.IO.File.ReadAllBytes(Repo.Image("probe.sym")));
        var frames = Regex.Matches(boot.Log, @"^  #\d+ 0x(?<address>[0-9a-f]+) (?<name>\S+)$", RegexOptions.Multiline);
        Assert.True(frames.Count >= 3, boot.Tail());
        foreach (Match frame in frames)
        {
            ulong address = Convert.ToUInt64(frame.Groups["address"].Value, 16);
            var function = functions.Last(f => f.Address <= address);
            string expected = address == function.Address ? function.Name : $"{function.Name}+0x{address - function.Address:x}";
            Assert.Equal(expected, frame.Groups["name"].Value);
        }
    }

    // The stack guard region (four pages) is unmapped at entry, so running off the stack faults instead of
    // corrupting memory. Xen cannot deliver that fault on the exhausted stack (a PV guest has no IST), so it
    // kills the domain itself; its register dump shows the address in the guard region.
    [Fact]
    public void Stack_overflow_faults_on_the_guard_page()
    {
        var boot = Boots.Run("probe", "mode=overflow");
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        var cr2 = Regex.Match(boot.Log, @"cr2: ([0-9a-f]{16})");
        Assert.True(cr2.Success, "Xen printed no cr2:\n" + boot.Tail());
        ulong faultAddress = ulong.Parse(cr2.Groups[1].Value, System.Globalization.NumberStyles.HexNumber);
        var symbols = ElfImage.ReadSymbols(System.IO.File.ReadAllBytes(Repo.Image("probe.sym")));
        ulong guard = symbols["uk_stack_guard"], bottom = symbols["uk_stack_bottom"];
        Assert.True(bottom - guard >= 16384, $"the guard region is {bottom - guard} bytes");
        Assert.InRange(faultAddress, guard, bottom - 1);
        // The runner says what it was and where: Xen's RIP line named, the cr2 line called a stack overflow.
        Assert.Matches(@"RIP:\s+e03[0-3]:\[<[0-9a-f]{16}>\] Probe_Program__Recurse", boot.Log);
        Assert.Matches(@"cr2: [0-9a-f]{16} \(stack overflow: in the stack guard page\)", boot.Log);
    }

    // A fault taken with almost no stack left: its handler runs into the guard region. The domain still ends
    // as a crash (the handler's report, or Xen's kill with cr2 in the guard), never by writing below it.
    [Fact]
    public void A_fault_with_almost_no_stack_left_still_ends_as_a_crash()
    {
        var boot = Boots.Run("probe", "mode=overflow-in-handler");
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains("overflow-in-handler: descending", boot);
        var symbols = ElfImage.ReadSymbols(System.IO.File.ReadAllBytes(Repo.Image("probe.sym")));
        ulong guard = symbols["uk_stack_guard"], bottom = symbols["uk_stack_bottom"];
        var cr2 = Regex.Match(boot.Log, @"cr2: ([0-9a-f]{16})");
        bool killedInGuard = cr2.Success && ulong.Parse(cr2.Groups[1].Value, System.Globalization.NumberStyles.HexNumber) is var a && a >= guard && a < bottom;
        bool reported = boot.Log.Contains("panic: page fault at ", StringComparison.Ordinal);
        Assert.True(killedInGuard || reported, "neither a report nor a kill in the guard region:\n" + boot.Tail());
    }

    [Theory]
    [InlineData("divide", "panic: divide error at rip=")]
    [InlineData("invalid-opcode", "panic: invalid opcode at rip=")]
    [InlineData("general-protection", "panic: general protection fault at rip=")]
    public void Cpu_exceptions_are_named(string mode, string message)
    {
        var boot = Boots.Run("probe", "mode=" + mode, symbolize: false);
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains(message, boot);
        Assert.Matches(@"  #0 0x[0-9a-f]+ (probe_|Probe_Program__Main)", boot.Log);
    }

    [Fact]
    public void Console_output_loses_no_line()
    {
        var boot = Boots.Run("probe", "mode=flood");
        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        var numbers = Regex.Matches(boot.Log, @"^flood (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(Enumerable.Range(0, 2000), numbers);
    }
}
