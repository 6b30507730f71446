namespace Unikernel.Xen
{
    // Idle.WaitUntil with a deadline: a device wait must end even when the backend never answers. A timer
    // sets the flag the condition also looks at; it is cancelled once the wait is over.
    internal static unsafe class BoundedWait
    {
        private struct State
        {
            public delegate*<ulong, bool> Done;
            public ulong Data;
            public ulong Expired;
        }

        // True when done(data) became true, false when the time ran out first.
        public static bool Until(delegate*<ulong, bool> done, ulong data, ulong nanoseconds, string what)
        {
            if (done(data)) return true;
            var state = new State { Done = done, Data = data };
            var timer = VcpuTimer.StartAfter(nanoseconds, &Expire, (ulong)&state);
            Idle.WaitUntil(&Check, (ulong)&state, what);
            VcpuTimer.Cancel(timer);
            return done(data);
        }

        private static bool Check(ulong address)
        {
            var state = (State*)address;
            return state->Expired != 0 || state->Done(state->Data);
        }

        private static void Expire(ulong address) => ((State*)address)->Expired = 1;
    }
}
