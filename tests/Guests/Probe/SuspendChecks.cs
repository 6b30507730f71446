using System;
using Unikernel;
using Unikernel.Xen;

// Save, restore and a cancelled suspend as an application sees them (tests/Unikernel.Tests/Xen/XlSaveTests.cs):
// hooks around the suspend, a timer armed before it that must fire after the resume, Clock.Now that never
// goes back, the domain id after a restore, and console lines echoed throughout.
internal static unsafe class SuspendChecks
{
    public const ulong TimerSeconds = 40;

    private static ulong s_armedAt, s_deadline, s_lastNow;

    public static int Run()
    {
        Lifecycle.AddSuspendHook(&BeforeSuspend);
        Lifecycle.AddResumeHook(&AfterResume);
        ShutdownControl.AddHook(&OnShutdown);
        s_armedAt = Clock.Now;
        s_deadline = s_armedAt + TimerSeconds * 1_000_000_000;
        Timers.StartAt(s_deadline, &OnTimer, 0);
        Unikernel.Console.WriteLine($"suspend-checks: domid={XenStoreService.ReadDomainId()} timer armed for {TimerSeconds} s");
        return ConsoleEcho.Run();
    }

    private static void BeforeSuspend()
    {
        s_lastNow = Clock.Now;
        Unikernel.Console.WriteLine($"suspend hook: timers pending, now={s_lastNow / 1_000_000} ms");
    }

    private static void AfterResume(ResumeKind kind)
    {
        ulong now = Clock.Now;
        Unikernel.Console.WriteLine($"resume hook: {(kind == ResumeKind.Restored ? "restored" : "cancelled")} domid={XenStoreService.ReadDomainId()} clock {(now >= s_lastNow ? "monotonic" : "WENT BACK")}");
    }

    private static void OnTimer(ulong unused)
    {
        ulong now = Clock.Now;
        Unikernel.Console.WriteLine($"timer fired: restored={SuspendResume.RestoredCount} cancelled={SuspendResume.CancelledCount} on time={(now >= s_deadline ? "yes" : "EARLY")}");
    }

    private static void OnShutdown(ShutdownReason reason) => Unikernel.Console.WriteLine("shutdown hook: poweroff");
}
