using System;
using Unikernel;
using Unikernel.Xen;
using Unikernel.Xen.Abi;

// The grant table under xl (XlBlockTests, cfg max_grant_frames = 4): it grows frame by frame up to the
// domain's limit, then says it is exhausted; ending access waits while the entry is marked mapped.
internal static unsafe class GrantChecks
{
    private static int s_released;

    public static int Run()
    {
        int failures = 0;
        void* page = Pages.Allocate();
        uint* refs = (uint*)Pages.Allocate(2); // 2048 refs
        int count = 0;
        long last;
        uint framesBefore = 0;
        while ((last = GrantTable.AllocateRef()) >= 0)
        {
            if (count == 0) framesBefore = GrantTable.FrameCount;
            refs[count++] = (uint)last;
            GrantTable.GrantAccess((uint)last, 0, page, readOnly: true);
            if (count == 2048) break;
        }
        Unikernel.Console.WriteLine($"grants: {count} refs in {GrantTable.FrameCount} frames (started with {framesBefore}, limit {GrantTable.FrameLimit}), then {last} ({XenError.Name(last)})");
        bool reservedNeverGiven = true;
        for (int i = 0; i < count; i++) reservedNeverGiven &= refs[i] >= 8;
        failures += CheckReport.Check("grants-grow-to-limit", framesBefore == 1 && GrantTable.FrameCount == GrantTable.FrameLimit && count == (int)GrantTable.FrameLimit * 512 - 8);
        failures += CheckReport.Check("grants-exhausted", last == XenError.ENOSPC);
        failures += CheckReport.Check("grants-reserved-refs-kept", reservedNeverGiven);
        for (int i = 0; i < count; i++) GrantTable.EndAccess(refs[i], null, 0);
        failures += CheckReport.Check("grants-all-ended", GrantTable.RefsInUse == 0 && GrantTable.DeferredCount == 0);

        // A grant the remote side still maps (GTF_reading, set here as Xen would) is not ended: it is
        // deferred, and released once the flag clears.
        long gref = GrantTable.AllocateRef();
        GrantTable.GrantAccess((uint)gref, 0, page, readOnly: false);
        ushort* flags = GrantTable.FlagsOf((uint)gref);
        *flags |= GrantEntryV1.Reading;
        bool refused = !GrantTable.TryEndAccess((uint)gref);
        GrantTable.EndAccess((uint)gref, &Released, 0);
        bool deferred = s_released == 0 && GrantTable.DeferredCount == 1 && GrantTable.IsAllocated((uint)gref);
        Clock.Sleep(50_000_000);
        bool stillHeld = s_released == 0 && GrantTable.IsAllocated((uint)gref);
        *flags = (ushort)(*flags & ~GrantEntryV1.Reading);
        Clock.Sleep(50_000_000);
        bool released = s_released == 1 && GrantTable.DeferredCount == 0 && !GrantTable.IsAllocated((uint)gref) && *flags == 0;
        Unikernel.Console.WriteLine($"grants: end of a mapped grant refused={(refused ? "yes" : "no")} deferred={(deferred ? "yes" : "no")} held-while-mapped={(stillHeld ? "yes" : "no")} released-after={(released ? "yes" : "no")}");
        failures += CheckReport.Check("grants-end-refused-while-mapped", refused && deferred && stillHeld);
        failures += CheckReport.Check("grants-deferred-end-retried", released);
        return failures == 0 ? 0 : 1;
    }

    private static void Released(ulong unused) => s_released++;
}
