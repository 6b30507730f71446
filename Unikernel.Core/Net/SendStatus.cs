namespace Unikernel.Core.Net
{
    // The outcome of a send. Nothing is queued for later: on ArpPending the caller tries again (an ARP
    // request is on its way), as it would after a loss.
    public enum SendStatus
    {
        Sent,
        ArpPending,     // like -EAGAIN: the next hop's MAC is being asked for
        NoRoute,        // off-subnet with no gateway, our own address, or multicast
        TooLarge,       // over the MTU (no fragmentation)
        TransmitFailed, // the platform did not take the frame
    }
}
