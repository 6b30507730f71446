using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// Multicalls and lazy MMU mode against real Xen (tests/Guests/Probe/BatchingChecks.cs).
[Collection(XenCollection.Name)]
public class BatchingBootTests
{
    // The same 64 remappings unbatched, in a lazy MMU section (coalesced) and as separate multicall entries
    // give the same PTEs (read through the page tables) and the same bytes; the context switch is one multicall.
    [Fact]
    public void Batched_page_table_updates_match_unbatched_ones()
    {
        Boots.RunProbeChecks("mode=batching", 14, "batching");
    }

    // A failing entry inside a multicall crashes the domain, named by hypercall, index and errno.
    [Fact]
    public void A_failed_entry_in_a_batch_is_fatal_and_named()
    {
        var boot = Boots.Run("probe", "mode=batch-fail");
        Boots.AssertOutcome(BootOutcome.Crash, boot);
        Boots.AssertContains("panic: hypercall mmu_update failed in batch entry 2: -22 (EINVAL)", boot);
        Assert.DoesNotContain("the failed entry was not reported", boot.Log);
    }
}
