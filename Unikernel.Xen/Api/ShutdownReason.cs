namespace Unikernel
{
    /// <summary>Why the domain is ending, as shutdown hooks see it.</summary>
    // Mirrors Unikernel.Xen.ShutdownReason value for value (both int), so Lifecycle hands an application's
    // hook to the platform as it is.
    public enum ShutdownReason
    {
        /// <summary>Power off: <c>xl shutdown</c>, <see cref="Lifecycle.PowerOff"/>, or Main returned 0.</summary>
        PowerOff = Xen.ShutdownReason.PowerOff,

        /// <summary>Reboot: <c>xl reboot</c> or <see cref="Lifecycle.Reboot"/>.</summary>
        Reboot = Xen.ShutdownReason.Reboot,
    }
}
