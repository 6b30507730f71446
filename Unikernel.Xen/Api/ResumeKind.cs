namespace Unikernel
{
    /// <summary>How the domain came back from a suspend, as resume hooks see it.</summary>
    public enum ResumeKind
    {
        /// <summary>
        /// In a new domain: restored from a saved image (<c>xl restore</c>) or migrated (<c>xl migrate</c>). The
        /// domain id, the console's pty and the domain's xenstore nodes outside what the toolstack writes are
        /// new; memory, timers and xenstore watches carried over.
        /// </summary>
        Restored,

        /// <summary>The toolstack cancelled the suspend (e.g. <c>xl save -c</c>): the same domain goes on.</summary>
        Cancelled,
    }
}
