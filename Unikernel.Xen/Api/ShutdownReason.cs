namespace Unikernel
{
    /// <summary>Why the domain is ending, as shutdown hooks see it.</summary>
    public enum ShutdownReason
    {
        /// <summary>Power off: <c>xl shutdown</c>, <see cref="Lifecycle.PowerOff"/>, or Main returned 0.</summary>
        PowerOff,

        /// <summary>Reboot: <c>xl reboot</c> or <see cref="Lifecycle.Reboot"/>.</summary>
        Reboot,
    }
}
