namespace Unikernel.Core.Batching
{
    // Outcome of asking the queue for a slot.
    public enum BatchStatus
    {
        Ok = 0,
        // The request needs more argument space than the whole area holds: no flush can make room.
        ArgumentsTooLarge = 1,
    }
}
