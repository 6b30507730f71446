using System;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The toolstack's shutdown requests: `xl shutdown` writes "poweroff" to control/shutdown, `xl reboot`
    // "reboot", `xl save`/`xl migrate` "suspend". We acknowledge by clearing the key (in a transaction, as
    // Linux's manage.c does), then run the application's hooks and shut down with the matching reason, or
    // suspend (SuspendResume). Requests are seen at idle points.
    internal static unsafe class ShutdownControl
    {
        public const int MaxHooks = 8;

        private static Hooks s_hooks;

        private struct Hooks { public fixed ulong Functions[MaxHooks]; } // delegate*<ShutdownReason, void>

        public static void AddHook(delegate*<ShutdownReason, void> hook)
        {
            for (int i = 0; i < MaxHooks; i++)
            {
                if (s_hooks.Functions[i] != 0) continue;
                s_hooks.Functions[i] = (ulong)hook;
                return;
            }
            Panic.Fail("shutdown: more than 8 hooks");
        }

        internal static void Initialize()
        {
            if (!XenStoreService.IsAvailable) return;
            Panic.Check(XenStoreService.Watch("control/shutdown", &OnRequest, 0), "xenstore watch control/shutdown");
        }

        // Runs the hooks, then ends the domain. Also what the application calls to stop itself cleanly.
        public static void Shutdown(ShutdownReason reason)
        {
            XenConsole.BoundWaits(); // the hooks' output must not keep the domain from ending
            for (int i = 0; i < MaxHooks; i++)
                if (s_hooks.Functions[i] != 0) ((delegate*<ShutdownReason, void>)s_hooks.Functions[i])(reason);
            Domain.Shutdown(reason == ShutdownReason.Reboot ? XenConstants.ShutdownReboot : XenConstants.ShutdownPowerOff);
        }

        // Only a request we carry out is acknowledged (the key cleared), as Linux's manage.c does: one we
        // cannot (an unknown one, or a suspend while devices are in use) is left in place and logged, so the
        // toolstack sees no acknowledgement and gives up (xl save: "domain did not respond to suspend
        // request") instead of waiting for a suspend that never comes.
        private static void OnRequest(ReadOnlySpan<byte> path, ulong data)
        {
            Span<byte> request = stackalloc byte[32];
            int length;
            ShutdownReason reason = ShutdownReason.PowerOff;
            bool suspend;
            while (true)
            {
                long transaction = XenStoreService.StartTransaction();
                if (transaction < 0) { Report("transaction_start", transaction); return; }
                long n = XenStoreService.Read("control/shutdown", request, (uint)transaction);
                if (n <= 0)
                {
                    // Gone or empty: our own acknowledgement, or the watch's first firing.
                    XenStoreService.EndTransaction((uint)transaction, false);
                    return;
                }
                length = (int)n;
                suspend = Is(request.Slice(0, length), "suspend");
                string? refusal = suspend ? SuspendResume.RefusalReason() : null;
                if (refusal != null || (!suspend && !TryParse(request.Slice(0, length), out reason)))
                {
                    XenStoreService.EndTransaction((uint)transaction, false);
                    Refuse(request.Slice(0, length), refusal);
                    return;
                }
                long rc = XenStoreService.Write("control/shutdown", "", (uint)transaction);
                if (rc < 0) { XenStoreService.EndTransaction((uint)transaction, false); Report("write", rc); return; }
                rc = XenStoreService.EndTransaction((uint)transaction, true);
                if (rc == XenError.EAGAIN) continue;
                if (rc < 0) { Report("transaction_end", rc); return; }
                break;
            }
            if (suspend) SuspendResume.Run();
            else Shutdown(reason);
        }

        private static bool TryParse(ReadOnlySpan<byte> what, out ShutdownReason reason)
        {
            reason = ShutdownReason.PowerOff;
            if (Is(what, "poweroff") || Is(what, "halt")) return true;
            reason = ShutdownReason.Reboot;
            return Is(what, "reboot");
        }

        // Platform notices start with "# ", which no reply of a line protocol on the console starts with.
        private static void Refuse(ReadOnlySpan<byte> what, string? why)
        {
            Span<char> buffer = stackalloc char[256];
            var text = new TextBuilder(buffer);
            text.Append(why == null ? "# shutdown: refusing unsupported request '" : "# shutdown: refusing request '");
            for (int i = 0; i < what.Length && i < 32; i++) text.Append(what[i] >= 0x20 && what[i] < 0x7f ? (char)what[i] : '?');
            text.Append("' (left unacknowledged)");
            if (why != null) { text.Append(": "); text.Append(why); }
            XenConsole.WriteLine(text.Text);
        }

        private static bool Is(ReadOnlySpan<byte> value, string expected) => Core.KernelCommandLine.Equals(value, expected);

        private static void Report(string step, long rc)
        {
            var text = new TextBuilder(stackalloc char[96]);
            text.Append($"# shutdown: xenstore {step} failed: {XenError.Name(rc)}");
            XenConsole.WriteLine(text.Text);
        }
    }
}
