namespace Unikernel.Core.XenStore
{
    // How the client waits and signals: the real domain uses its event channel and idle loop; tests of the
    // wire protocol use a ring in memory with nothing behind it.
    public unsafe struct XenStoreTransport
    {
        public delegate*<void> Notify;
        // Waits until the response ring has data (forSpace false) or the request ring has room (true).
        // False means waiting cannot help (nothing will ever come).
        public delegate*<bool, bool> Wait;
    }
}
