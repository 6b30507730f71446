using System;
using Unikernel.Core;
using Unikernel.Core.Text;
using Unikernel.Xen;

// Exercises the runtime and the failure paths. Each mode prints what it checks; the boot tests judge.
internal static unsafe class Program
{
    public static int Main()
    {
        var cmdline = new KernelCommandLine(Domain.CommandLine);
        if (!cmdline.TryGet("mode", out ReadOnlySpan<byte> mode, out _))
        {
            XenConsole.WriteLine("probe: no mode= on the command line");
            return 2;
        }

        if (KernelCommandLine.Equals(mode, "runtime")) return RuntimeChecks.Run();
        if (KernelCommandLine.Equals(mode, "exit3")) return 3;
        if (KernelCommandLine.Equals(mode, "irqflags")) return IrqFlagChecks.Run();
        if (KernelCommandLine.Equals(mode, "paravirt")) return ParavirtChecks.Run();
        if (KernelCommandLine.Equals(mode, "memory")) return MemoryChecks.Run();
        if (KernelCommandLine.Equals(mode, "write-rodata")) { Cpu.WriteReadOnlyData(); return 0; }
        if (KernelCommandLine.Equals(mode, "double-free"))
        {
            void* page = FramePool.AllocatePage();
            FramePool.FreePage(page);
            FramePool.FreePage(page);
            return 0;
        }
        if (KernelCommandLine.Equals(mode, "bad-map")) return BadMemoryMap.Run(cmdline);
        if (KernelCommandLine.Equals(mode, "batching")) return BatchingChecks.Run();
        if (KernelCommandLine.Equals(mode, "batch-fail")) return BatchingChecks.ProvokeFailure();
        if (KernelCommandLine.Equals(mode, "xenstore-wire")) return XenStoreWireChecks.Run();
        if (KernelCommandLine.Equals(mode, "console-echo")) return ConsoleEcho.Run();
        if (KernelCommandLine.Equals(mode, "interpolation")) return InterpolationChecks.Run();
        if (KernelCommandLine.Equals(mode, "everyday")) return EverydayChecks.Run();
        if (KernelCommandLine.Equals(mode, "xl-services")) return XlServices.Serve();
        if (KernelCommandLine.Equals(mode, "megabyte")) return XlServices.Megabyte();
        if (KernelCommandLine.Equals(mode, "suspend")) return SuspendChecks.Run();
        if (KernelCommandLine.Equals(mode, "suspend-disk")) return SuspendDiskChecks.Run();
        if (KernelCommandLine.Equals(mode, "wx")) return WxChecks.Run();
        if (KernelCommandLine.Equals(mode, "api-misuse")) return ApiMisuseChecks.Run();
        if (KernelCommandLine.Equals(mode, "block")) return BlockChecks.Run();
        if (KernelCommandLine.Equals(mode, "net")) return NetChecks.Serve();
        if (KernelCommandLine.Equals(mode, "grants")) return GrantChecks.Run();
        if (KernelCommandLine.Equals(mode, "block-bench")) return BlockBench.Run();
        if (KernelCommandLine.Equals(mode, "console-race")) return ConsoleReliability.Race();
        if (KernelCommandLine.Equals(mode, "console-stall")) return ConsoleReliability.StallThenShutdown();
        if (KernelCommandLine.Equals(mode, "console-stall-panic")) return ConsoleReliability.StallThenPanic();
        if (KernelCommandLine.Equals(mode, "sleep-in-callback")) return ConsoleReliability.SleepInCallback();
        if (KernelCommandLine.Equals(mode, "halt-masked"))
        {
            Unikernel.Core.Paravirt.Paravirt.Ops.IrqDisable();
            Unikernel.Core.Paravirt.Paravirt.Ops.Halt();
            return 0;
        }
        if (KernelCommandLine.Equals(mode, "events"))
        {
            // A seed= on the command line replays a storm; otherwise the TSC picks one (printed).
            ulong seed = cmdline.TryGet("seed", out ReadOnlySpan<byte> text, out _) && KernelCommandLine.TryParseUInt64(text, out ulong given)
                ? given : PvClock.ReadTsc();
            return EventChecks.Run(seed);
        }
        if (KernelCommandLine.Equals(mode, "hypercall"))
        {
            // XENVER_* has no command 0x7fff: Xen answers -ENOSYS, which must be fatal and named.
            Panic.Check(Hypercall.XenVersion(0x7fff, null), "xen_version(0x7fff)");
            return 0;
        }
        if (KernelCommandLine.Equals(mode, "throw")) throw new InvalidOperationException("probe threw on purpose");
        if (KernelCommandLine.Equals(mode, "bounds"))
        {
            Span<int> small = stackalloc int[4];
            int index = cmdline.Text.Length; // not a constant, so the check happens at run time
            small[index] = 1;
            return 0;
        }
        if (KernelCommandLine.Equals(mode, "heap"))
        {
            for (int i = 0; ; i++)
            {
                var block = new byte[4096];
                block[0] = (byte)i;
            }
        }
        if (KernelCommandLine.Equals(mode, "null"))
        {
            int* nowhere = (int*)(cmdline.Text.Length - cmdline.Text.Length); // zero, but not a constant
            return *nowhere;
        }
        if (KernelCommandLine.Equals(mode, "divide"))
        {
            int zero = cmdline.Text.Length - cmdline.Text.Length;
            return 100 / zero; // ilc emits no check: the CPU raises #DE
        }
        if (KernelCommandLine.Equals(mode, "invalid-opcode")) { Cpu.InvalidOpcode(); return 0; }
        if (KernelCommandLine.Equals(mode, "general-protection")) { Cpu.PrivilegedInstruction(); return 0; }
        if (KernelCommandLine.Equals(mode, "overflow")) return Recurse(cmdline.Text.Length);
        if (KernelCommandLine.Equals(mode, "overflow-in-handler"))
        {
            XenConsole.WriteLine("overflow-in-handler: descending"); // printing down there would overflow itself
            return DescendThenFault(0);
        }
        if (KernelCommandLine.Equals(mode, "flood"))
        {
            // Many lines, numbered, so the test can see none was lost.
            Span<char> buffer = stackalloc char[64];
            for (int i = 0; i < 2000; i++)
            {
                var line = new TextBuilder(buffer);
                line.Append("flood ");
                line.Append(i);
                XenConsole.WriteLine(line.Text);
            }
            return 0;
        }

        XenConsole.WriteLine("probe: unknown mode");
        return 2;
    }

    // Unbounded recursion with a stack frame the compiler cannot drop: runs into the stack guard page.
    // Recurses until less than 512 bytes of stack are left, then dereferences null: the trap handler has to
    // run on what is left.
    private static int DescendThenFault(int depth)
    {
        Span<byte> frame = stackalloc byte[128];
        frame[depth & 127] = (byte)depth;
        ulong left = (ulong)&depth - (ulong)Traps.StackBottom();
        if (left < 512) return *(int*)0;
        return DescendThenFault(depth + 1) + frame[(depth + 1) & 127];
    }

    private static int Recurse(int depth)
    {
        Span<byte> frame = stackalloc byte[256];
        frame[depth & 255] = (byte)depth;
        return Recurse(depth + 1) + frame[(depth + 1) & 255];
    }
}
