using System;
using Unikernel.Core.Paravirt;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // control/shutdown = "suspend" (xl save, xl migrate): Linux's drivers/xen/manage.c do_suspend and
    // arch/x86/xen/suspend_pv.c for a unikernel. Quiesce, SCHEDOP_shutdown(SHUTDOWN_suspend) with the
    // start_info frame in the third argument (rdx: libxenguest reads vcpu0's edx as the "suspend record"),
    // then either continue after a cancelled suspend (the hypercall returns 1) or resume in a new domain (0):
    // every machine frame, event channel and the shared_info frame are new there, while our memory, page
    // tables and p2m (rewritten by the restore) come back at the same pseudo-physical addresses.
    internal static unsafe class SuspendResume
    {
        public const int MaxHooks = 8;

        private struct Hooks
        {
            public fixed ulong Before[MaxHooks]; // delegate*<void>
            public fixed ulong After[MaxHooks];  // delegate*<ResumeKind, void>
            public fixed ulong Quiesce[MaxHooks]; // delegate*<void>: the platform's devices
            public fixed ulong Resume[MaxHooks];  // delegate*<bool, void>: true in a new domain
        }

        private static Hooks s_hooks;
        // The grant table's, set when it is first used: a domain without devices links none of it.
        private static delegate*<void> s_unmapGrants;
        private static delegate*<bool, void> s_remapGrants;
        private static ulong s_restored, s_cancelled;

        public static ulong RestoredCount => s_restored;
        public static ulong CancelledCount => s_cancelled;

        public static void AddSuspendHook(delegate*<void> hook) => Add(ref s_hooks.Before[0], (ulong)hook, "lifecycle: more than 8 suspend hooks");
        public static void AddResumeHook(delegate*<ResumeKind, void> hook) => Add(ref s_hooks.After[0], (ulong)hook, "lifecycle: more than 8 resume hooks");

        // Block and network frontends: quiesce runs after the application's suspend hooks, resume(newDomain)
        // before its resume hooks, so the application finds its devices connected again.
        public static void AddDeviceHooks(delegate*<void> quiesce, delegate*<bool, void> resume)
        {
            Add(ref s_hooks.Quiesce[0], (ulong)quiesce, "suspend: more than 8 device hooks");
            Add(ref s_hooks.Resume[0], (ulong)resume, "suspend: more than 8 device hooks");
        }

        private static void Add(ref ulong first, ulong hook, string what)
        {
            fixed (ulong* slots = &first)
                for (int i = 0; i < MaxHooks; i++)
                    if (slots[i] == 0) { slots[i] = hook; return; }
            Panic.Fail(what);
        }

        // Unmap runs just before the suspend hypercall, remap(newDomain) just after the p2m is current again.
        public static void SetGrantTableHooks(delegate*<void> unmap, delegate*<bool, void> remap)
        {
            s_unmapGrants = unmap;
            s_remapGrants = remap;
        }

        // Why this domain cannot be suspended now, or null. Checked before the request is acknowledged, so a
        // refusal leaves it in place and the toolstack gives up instead of saving a domain it cannot resume.
        public static string? RefusalReason()
        {
            if (!XenStoreService.IsQuiet) return "a xenstore request is in flight";
            if (XenbusFrontend.Connecting > 0) return "a block or network device is connecting";
            return null;
        }

        // From the control/shutdown watch (the idle loop, events enabled, no xenstore request in flight),
        // after the request was acknowledged.
        public static void Run()
        {
            for (int i = 0; i < MaxHooks; i++)
                if (s_hooks.Before[i] != 0) ((delegate*<void>)s_hooks.Before[i])();
            for (int i = 0; i < MaxHooks; i++)
                if (s_hooks.Quiesce[i] != 0) ((delegate*<void>)s_hooks.Quiesce[i])();
            XenConsole.WriteLine("# suspend: suspending");

            ref readonly ParavirtOps ops = ref Paravirt.Ops;
            ulong flags = Paravirt.IrqSave();
            ulong before = PvClock.Now;
            StartInfo* startInfo = Domain.StartInfo;
            // The restore finds the rings by pfn and writes their new frames back (xg_sr_restore_x86_pv.c
            // process_start_info); Linux's xen_pv_pre_suspend converts them the same way.
            ulong storeMfn = startInfo->StoreMfn, consoleMfn = startInfo->ConsoleMfn;
            startInfo->StoreMfn = AddressTranslation.MachineToPhysicalFrame(storeMfn);
            startInfo->ConsoleMfn = AddressTranslation.MachineToPhysicalFrame(consoleMfn);
            SharedInfoPage.StandIn();
            if (s_unmapGrants != null) s_unmapGrants();

            uint reason = XenConstants.ShutdownSuspend; // struct sched_shutdown
            ulong startInfoMfn = AddressTranslation.VirtualToMachine((ulong)startInfo) >> XenConstants.PageShift;
            long rc = Hypercall.Invoke(HypercallNumber.SchedOp, XenConstants.SchedOpShutdown, (ulong)&reason, startInfoMfn);
            if (rc != 0 && rc != 1) Panic.HypercallFailed("sched_op(SCHEDOP_shutdown, SHUTDOWN_suspend)", rc < 0 ? rc : XenError.EPROTO);
            bool newDomain = rc == 0;
            if (!newDomain)
            {
                startInfo->StoreMfn = storeMfn;
                startInfo->ConsoleMfn = consoleMfn;
            }

            SharedInfoPage.Map(startInfo); // the restore wrote the new frame into start_info
            if (newDomain)
            {
                P2m.PublishFrameLists(); // the restore cleared the list's frame; every mfn in it is new
                EventChannels.ForgetAll();
            }
            if (s_remapGrants != null) s_remapGrants(newDomain); // after the p2m: a new domain's grants name the new frames
            PvClock.ContinueFrom(before);
            VcpuTimer.Resume(newDomain);
            if (newDomain)
            {
                XenConsole.Resume(startInfo);
                ConsoleInput.Resume(startInfo);
                XenStoreService.Resume(startInfo, newDomain);
            }
            ops.RestoreFlags(flags);
            if (newDomain) XenStoreService.Rewatch();

            if (newDomain) s_restored++; else s_cancelled++;
            XenConsole.WriteLine(newDomain ? "# suspend: resumed in a new domain" : "# suspend: cancelled by the toolstack: resumed in place");
            for (int i = 0; i < MaxHooks; i++)
                if (s_hooks.Resume[i] != 0) ((delegate*<bool, void>)s_hooks.Resume[i])(newDomain);

            for (int i = 0; i < MaxHooks; i++)
                if (s_hooks.After[i] != 0) ((delegate*<ResumeKind, void>)s_hooks.After[i])(newDomain ? ResumeKind.Restored : ResumeKind.Cancelled);
            Idle.Kick(); // watch events (each watch fires once when registered again) and typed input
        }
    }
}
