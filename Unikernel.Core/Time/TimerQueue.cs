namespace Unikernel.Core.Time
{
    // One-shot timers by absolute deadline (ns), in caller-provided slots. The platform programs its single
    // hardware (or hypervisor) timer for EarliestDeadline and calls RunExpired when it fires; RunExpired only
    // runs timers whose deadline has passed, so a callback never runs early even if the timer does.
    // Not reentrant: the platform calls it with events masked.
    public unsafe struct TimerQueue
    {
        private TimerSlot* _slots;
        private int _capacity;

        public TimerQueue(TimerSlot* slots, int capacity)
        {
            _slots = slots;
            _capacity = capacity;
            for (int i = 0; i < capacity; i++) slots[i] = default;
        }

        public int Capacity => _capacity;

        public int ActiveCount
        {
            get
            {
                int n = 0;
                for (int i = 0; i < _capacity; i++) if (_slots[i].Callback != null) n++;
                return n;
            }
        }

        // Returns false when every slot is in use.
        public bool TryStart(ulong deadline, delegate*<ulong, void> callback, ulong data, out TimerHandle handle) =>
            TryStart(deadline, 0, callback, data, out handle);

        // With a period, the timer fires again every period after deadline until cancelled (the same handle
        // throughout); ticks missed while the timer could not run are skipped, not fired in a burst.
        public bool TryStart(ulong deadline, ulong period, delegate*<ulong, void> callback, ulong data, out TimerHandle handle)
        {
            for (int i = 0; i < _capacity; i++)
            {
                ref TimerSlot slot = ref _slots[i];
                if (slot.Callback != null) continue;
                slot.Generation++;
                slot.Deadline = deadline;
                slot.Period = period;
                slot.Callback = callback;
                slot.Data = data;
                handle = new TimerHandle(i, slot.Generation);
                return true;
            }
            handle = default;
            return false;
        }

        // False if the timer already ran or was cancelled (its slot may have been reused since).
        public bool Cancel(TimerHandle handle)
        {
            if (!IsActive(handle)) return false;
            _slots[handle.Slot].Callback = null;
            return true;
        }

        public bool IsActive(TimerHandle handle) =>
            handle.Generation != 0 && (uint)handle.Slot < (uint)_capacity &&
            _slots[handle.Slot].Generation == handle.Generation && _slots[handle.Slot].Callback != null;

        public ulong EarliestDeadline
        {
            get
            {
                ulong earliest = ulong.MaxValue;
                for (int i = 0; i < _capacity; i++)
                    if (_slots[i].Callback != null && _slots[i].Deadline < earliest) earliest = _slots[i].Deadline;
                return earliest;
            }
        }

        // The first tick of a periodic timer after now.
        private static ulong NextTick(ulong deadline, ulong period, ulong now)
        {
            ulong next = deadline + period;
            if (next > now) return next;
            return now + period - (now - deadline) % period;
        }

        // Runs every timer due at now, earliest first; callbacks may start new timers. Returns how many ran.
        public int RunExpired(ulong now)
        {
            int ran = 0;
            while (true)
            {
                int due = -1;
                for (int i = 0; i < _capacity; i++)
                {
                    ref TimerSlot slot = ref _slots[i];
                    if (slot.Callback != null && slot.Deadline <= now && (due < 0 || slot.Deadline < _slots[due].Deadline)) due = i;
                }
                if (due < 0) return ran;
                ref TimerSlot fired = ref _slots[due];
                var callback = fired.Callback;
                ulong data = fired.Data;
                if (fired.Period == 0) fired.Callback = null; // free before the call, so the callback can re-arm
                else fired.Deadline = NextTick(fired.Deadline, fired.Period, now); // re-armed first: the callback may cancel it
                callback(data);
                ran++;
            }
        }
    }

    public unsafe struct TimerSlot
    {
        public ulong Deadline;
        public ulong Period; // 0: one-shot
        public delegate*<ulong, void> Callback; // null: slot free
        public ulong Data;
        public uint Generation;
    }

    public readonly struct TimerHandle
    {
        public readonly int Slot;
        public readonly uint Generation; // 0: no timer

        public TimerHandle(int slot, uint generation)
        {
            Slot = slot;
            Generation = generation;
        }
    }
}
