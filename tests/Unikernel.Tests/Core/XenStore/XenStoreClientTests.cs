using System.Text;
using Unikernel.Core.XenStore;

namespace Unikernel.Tests.Core.XenStore;

// Cases of the wire client worth naming (the generated ones are in XenStoreClientPropertyTests; the
// guest runs its own crafted replies in tests/Guests/Probe/XenStoreWireChecks.cs).
public class XenStoreClientTests
{
    // TakeWatchEvent returns 0 for "none left": an empty event, queued, stopped the caller there and kept
    // the events behind it waiting (XenStoreService polls until 0).
    [Fact]
    public void An_empty_watch_event_is_not_queued_and_does_not_hold_back_the_next()
    {
        using var server = new FakeXenStored(seed: 1, maxChunk: 1024, requestStart: 0, responseStart: 0, strict: true);
        server.Queue(FakeXenStored.Message(XenStoreMessage.WatchEvent, 0, default));
        server.Queue(FakeXenStored.Message(XenStoreMessage.WatchEvent, 0, "a\0w0\0"u8));
        server.Deliver(1024);
        server.Client.DrainUnsolicited();

        var ev = new byte[XenStoreClient.MaxWatchEventBytes];
        Assert.Equal(1, server.Client.PendingWatchEvents);
        int n = server.Client.TakeWatchEvent(ev, out bool overflowed);
        Assert.Equal("a\0w0\0", Encoding.ASCII.GetString(ev, 0, n));
        Assert.False(overflowed);
        Assert.Equal(0, server.Client.TakeWatchEvent(ev, out _));
        Assert.Equal(server.Queued, server.Consumed);
    }
}
