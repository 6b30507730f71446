using System;

namespace Unikernel
{
    /// <summary>
    /// The xenstore: the toolstack's key-value tree, shared with dom0. Present only in a domU that a toolstack
    /// (<c>xl create</c>) started; check <see cref="IsAvailable"/>. Paths without a leading '/' are relative to
    /// the domain's home, /local/domain/&lt;domid&gt; (a domain may write below its own <c>data/</c>).
    /// <para>
    /// Every call returns a count (0 or more) on success or a negative errno on failure:
    /// <see cref="NotFound"/> for a missing path, <see cref="NotAvailable"/> without a xenstore,
    /// <see cref="InvalidArgument"/> for a bad path, <see cref="TooBig"/> for a reply that does not fit the
    /// buffer, <see cref="RequestTooLarge"/> for a path and value over the protocol's 4096 bytes;
    /// <see cref="ErrorName"/> names any of them. Requests wait in the idle loop, so none of these may be
    /// called from a timer or event callback (that is refused with a panic); watch callbacks run from the
    /// idle loop and may use them.
    /// </para>
    /// </summary>
    public static unsafe class XenStore
    {
        /// <summary>-ENOENT: the path does not exist.</summary>
        public const long NotFound = Xen.XenError.ENOENT;

        /// <summary>-ENODEV: this domain has no xenstore (dom0 booted directly, or no toolstack).</summary>
        public const long NotAvailable = Xen.XenError.ENODEV;

        /// <summary>-EINVAL: an empty, overlong or non-ASCII path.</summary>
        public const long InvalidArgument = Xen.XenError.EINVAL;

        /// <summary>-ENOBUFS: the value did not fit the buffer given (nothing was written to it).</summary>
        public const long TooBig = Xen.XenError.ENOBUFS;

        /// <summary>-EMSGSIZE: the path and value together exceed XENSTORE_PAYLOAD_MAX (4096 bytes).</summary>
        public const long RequestTooLarge = Xen.XenError.EMSGSIZE;

        /// <summary>-EACCES: the domain may not read or write there.</summary>
        public const long AccessDenied = Xen.XenError.EACCES;

        /// <summary>How many watches may be registered.</summary>
        public const int MaxWatches = Xen.XenStoreService.MaxWatches;

        /// <summary>True when this domain has a xenstore connection.</summary>
        public static bool IsAvailable => Xen.XenStoreService.IsAvailable;

        /// <summary>Reads the value at <paramref name="path"/> into <paramref name="value"/>; returns its length or a negative errno.</summary>
        public static long Read(ReadOnlySpan<char> path, Span<byte> value) => Xen.XenStoreService.Read(path, value);

        /// <summary>Writes <paramref name="value"/> (bytes) at <paramref name="path"/>, creating it; returns 0 or a negative errno.</summary>
        public static long Write(ReadOnlySpan<char> path, ReadOnlySpan<byte> value) => Xen.XenStoreService.Write(path, value);

        /// <summary>Writes <paramref name="value"/> (text, stored as UTF-8) at <paramref name="path"/>, creating it; returns 0 or a negative errno.</summary>
        public static long Write(ReadOnlySpan<char> path, ReadOnlySpan<char> value) => Xen.XenStoreService.Write(path, value);

        /// <summary>
        /// Lists the children of <paramref name="path"/> into <paramref name="names"/>, each name followed by a
        /// NUL byte; returns the bytes used or a negative errno.
        /// </summary>
        public static long Directory(ReadOnlySpan<char> path, Span<byte> names) => Xen.XenStoreService.Directory(path, names);

        /// <summary>Removes <paramref name="path"/> and everything below it; returns 0 or a negative errno.</summary>
        public static long Remove(ReadOnlySpan<char> path) => Xen.XenStoreService.Remove(path);

        /// <summary>
        /// Calls <paramref name="callback"/>(changed path, <paramref name="data"/>) from the idle loop whenever
        /// <paramref name="path"/> or anything below it changes, and once right after registering. The callback
        /// may use the xenstore itself. Returns 0, or a negative errno (-ENOSPC past <see cref="MaxWatches"/>;
        /// <see cref="RequestTooLarge"/> for a path over 255 bytes: watched paths are kept, to watch them again
        /// after the domain is restored or migrated).
        /// </summary>
        public static long Watch(ReadOnlySpan<char> path, delegate*<ReadOnlySpan<byte>, ulong, void> callback, ulong data) =>
            Xen.XenStoreService.Watch(path, callback, data);

        /// <summary>The errno name of a negative result, e.g. "ENOENT"; "unknown error" for others.</summary>
        public static ReadOnlySpan<char> ErrorName(long result) => Xen.XenError.Name(result);
    }
}
