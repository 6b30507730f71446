namespace Unikernel.Core.Time
{
    // Converts a TSC delta to nanoseconds with a paravirtual clock's scale: shift, then multiply by a 32.32
    // fixed-point factor (Xen's vcpu_time_info, Linux's pvclock_scale_delta). The 96-bit product is formed
    // from 32-bit halves so no 128-bit type is needed.
    public static class TscScale
    {
        public static ulong ToNanoseconds(ulong delta, uint multiplier, sbyte shift)
        {
            if (shift < 0) delta >>= -shift;
            else delta <<= shift;
            ulong high = (delta >> 32) * multiplier;
            ulong low = ((delta & 0xffffffff) * multiplier) >> 32;
            return high + low;
        }
    }
}
