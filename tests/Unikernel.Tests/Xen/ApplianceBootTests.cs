using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// samples/Appliance booted as dom0 and driven over its console protocol, as a client would type it. Each
// reply line the appliance prints triggers the next batch of requests (XenBoot types them in short bursts).
[Collection(XenCollection.Name)]
public class ApplianceBootTests
{
    [Fact]
    public void Appliance_answers_its_protocol_survives_bad_input_and_stops_cleanly_on_quit()
    {
        string big = string.Concat(Enumerable.Range(0, 800).Select(i => (char)('a' + i % 26)));
        string overlong = new string('x', 1500);
        // Control bytes and UTF-8 of non-ASCII characters; no Ctrl-A (three of them switch Xen's console).
        string garbage = "\u0002\u0007\u00fe\u0010\u001b[A\u00e9\u0004garbage";
        var boot = Boots.Run("appliance", replies:
        [
            new SerialReply("appliance ready", "help\r"),
            new SerialReply("help: set <key>", "set color blue\rset size 42\rget color\r"),
            new SerialReply("value blue", "frobnicate now\r"),
            new SerialReply("error unknown command 'frobnicate'", $"set big {big}\rget big\r"),
            new SerialReply("value " + big, $"set huge {overlong}\r"),
            new SerialReply("error line too long", garbage + "\r"),
            new SerialReply("error binary data", "del size\rget size\rget\rkeys\rstatus\rstats\r"),
            new SerialReply("stats keys=", "quit\r"),
        ]);

        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        string[] replies = boot.Log.Split('\n')
            .Where(l => l is "ok" or "ok bye" || l.StartsWith("value ") || l.StartsWith("error ") || l.StartsWith("keys ")
                || l.StartsWith("stats ") || l.StartsWith("status ") || l.StartsWith("help: ") || l.StartsWith("appliance"))
            .ToArray();
        Assert.Equal(
        [
            "appliance: no xenstore (dom0 or no toolstack): status is not published",
            "appliance ready: key-value store, 64 keys of up to 1024 bytes (type help)",
            "help: set <key> <value> | get <key> | del <key> | keys | stats | status | help | quit",
            "ok", "ok", "value blue",
            "error unknown command 'frobnicate' (try help)",
            "ok", "value " + big,
            "error line too long (max 1100 bytes), ignored",
            "error binary data: requests are printable ASCII",
            "ok", "error no such key", "error usage: get <key>", "keys 2: color big", "status unpublished (no xenstore)",
            replies.Single(l => l.StartsWith("stats ")),
            "ok bye",
            "appliance: goodbye (power off)",
        ], replies);
        Assert.Matches(@"^stats keys=2 value_bytes=804 capacity=64 store_pages=18 free_pages=\d+ uptime_ms=\d+$", replies.Single(l => l.StartsWith("stats ")));
    }
}
