namespace Unikernel
{
    /// <summary>
    /// How the application waits and how the domain ends. There is one thread: waiting means blocking the
    /// virtual CPU until an event (console input, a timer, a xenstore reply or watch) makes a condition true.
    /// A toolstack's shutdown request (<c>xl shutdown</c>, <c>xl reboot</c>) is served at such a wait: the
    /// shutdown hooks run, then the domain ends. Returning 0 from Main powers off the same way.
    /// </summary>
    public static unsafe class Lifecycle
    {
        /// <summary>How many shutdown hooks may be registered.</summary>
        public const int MaxShutdownHooks = Xen.ShutdownControl.MaxHooks;

        /// <summary>
        /// Registers <paramref name="hook"/> to run, in registration order, before the domain powers off or
        /// reboots cleanly (not on a crash). A hook may write to the console and the xenstore.
        /// </summary>
        public static void AddShutdownHook(delegate*<ShutdownReason, void> hook) =>
            Xen.ShutdownControl.AddHook(hook);

        /// <summary>How many suspend hooks, and how many resume hooks, may be registered.</summary>
        public const int MaxSuspendHooks = Xen.SuspendResume.MaxHooks;

        /// <summary>
        /// Registers <paramref name="hook"/> to run, in registration order, when the toolstack suspends the
        /// domain (<c>xl save</c>, <c>xl migrate</c>), before anything is quiesced. It runs at a wait, like a
        /// shutdown hook, and may write to the console and the xenstore. Block devices are quiesced after the
        /// hooks: requests in flight get 5 s to finish (<c>suspend-drain-ms=N</c> on the command line changes
        /// that), those left are issued again after a restore; from then on until the resume a new block request
        /// is refused with -EAGAIN.
        /// </summary>
        public static void AddSuspendHook(delegate*<void> hook) => Xen.SuspendResume.AddSuspendHook(hook);

        /// <summary>
        /// Registers <paramref name="hook"/> to run, in registration order, once the domain runs again after a
        /// suspend: <see cref="ResumeKind.Restored"/> in a new domain (restored or migrated: a new domain id,
        /// console pty and xenstore home, whose nodes written by the application must be written again), or
        /// <see cref="ResumeKind.Cancelled"/>. Memory, timers (<see cref="Clock.Now"/> never goes back; a
        /// deadline that passed meanwhile fires at once) and xenstore watches carry over. Block and network
        /// devices are connected again before the hook runs (open TCP connections go on; packets lost meanwhile
        /// are sent again). The hook may write to the console and the xenstore.
        /// </summary>
        public static void AddResumeHook(delegate*<ResumeKind, void> hook) => Xen.SuspendResume.AddResumeHook(hook);

        /// <summary>Runs the shutdown hooks, then powers the domain off. Does not return.</summary>
        public static void PowerOff() => Xen.ShutdownControl.Shutdown(ShutdownReason.PowerOff);

        /// <summary>Runs the shutdown hooks, then asks the toolstack to restart the domain. Does not return.</summary>
        public static void Reboot() => Xen.ShutdownControl.Shutdown(ShutdownReason.Reboot);

        /// <summary>
        /// Waits until <paramref name="done"/>(<paramref name="data"/>) is true. It is tested with events
        /// masked, so a timer or event callback that makes it true cannot be missed; events are enabled while
        /// waiting.
        /// </summary>
        public static void WaitUntil(delegate*<ulong, bool> done, ulong data) => Xen.Idle.WaitUntil(done, data, "Lifecycle.WaitUntil");

        /// <summary>
        /// Waits forever, serving timers, xenstore watches and shutdown requests: the main loop of an appliance
        /// that only reacts to events. Ends only when the domain does.
        /// </summary>
        public static void IdleForever() => Xen.Idle.WaitUntil(&Never, 0, "Lifecycle.IdleForever");

        private static bool Never(ulong unused) => false;
    }
}
