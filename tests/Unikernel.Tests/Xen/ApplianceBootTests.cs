using System;
using System.Collections.Generic;
using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.Tests.Xen;

// samples/Appliance booted as dom0 and driven over its console protocol, as a client would type it. Each
// reply line the appliance prints triggers the next batch of requests (XenBoot types them in short bursts).
[Collection(XenCollection.Name)]
public class ApplianceBootTests
{
    private const string MemoryOnly = "storage: memory only (lost at shutdown)";

    [Fact]
    public void Appliance_answers_its_protocol_survives_bad_input_and_stops_cleanly_on_quit()
    {
        string big = string.Concat(Enumerable.Range(0, 800).Select(i => (char)('a' + i % 26)));
        string overlong = new string('x', 1500);
        // Control bytes and UTF-8 of non-ASCII characters; no Ctrl-A (three of them switch Xen's console).
        string garbage = "\u0002\u0007\u00fe\u0010\u001b[A\u00e9\u0004garbage";
        SerialReply[] typed =
        [
            new SerialReply("appliance ready", "help\r"),
            new SerialReply("help: set <key>", "set color blue\rset size 42\rget color\r"),
            new SerialReply("value blue", "frobnicate now\r"),
            new SerialReply("error unknown command 'frobnicate'", $"set big {big}\rget big\r"),
            new SerialReply("value " + big, $"set huge {overlong}\r"),
            new SerialReply("error line too long", garbage + "\r"),
            // '#' at the start of a key, a value or a command never starts a reply; an empty line is no request.
            new SerialReply("error binary data", "set #k #x\r\rget #k\r#frob\r"),
            new SerialReply("error unknown command '#frob'", "del size\rget size\rget\rkeys\rstatus\rstats\r"),
            new SerialReply("stats keys=", "quit\r"),
        ];
        var boot = Boots.Run("appliance", replies: typed);

        Boots.AssertOutcome(BootOutcome.PowerOff, boot);
        string[] replies = boot.Log.Split('\n')
            .Where(l => l is "ok" or "ok bye" || l.StartsWith("value ") || l.StartsWith("error ") || l.StartsWith("keys ")
                || l.StartsWith("stats ") || l.StartsWith("status ") || l.StartsWith("help: ") || l.StartsWith("# "))
            .ToArray();
        Assert.Equal(
        [
            "# status: no xenstore (dom0 or no toolstack): not published",
            $"# appliance ready: key-value store, 256 keys of up to 1024 bytes; {MemoryOnly}; type help",
            $"help: set <key> <value> | get <key> | del <key> | keys | stats | status | help | quit; {MemoryOnly}",
            "ok", "ok", "value blue",
            "error unknown command 'frobnicate' (try help)",
            "ok", "value " + big,
            "error line too long (max 1100 bytes), ignored",
            "error binary data: requests are printable ASCII",
            "ok", "value #x", "error unknown command '#frob' (try help)",
            "ok", "error no such key", "error usage: get <key>", "keys 3: color big #k",
            $"status ready keys=3 xenstore=none; {MemoryOnly}",
            replies.Single(l => l.StartsWith("stats ")),
            "ok bye",
            "# appliance: goodbye (power off); 3 keys lost (memory only)",
        ], replies);
        Assert.Matches(@"^stats keys=3 value_bytes=806 capacity=256 store_pages=69 free_pages=\d+ uptime_ms=\d+$", replies.Single(l => l.StartsWith("stats ")));

        // What a client sees: one reply per request, in order, notices apart (Xen's own "(XEN)" lines share
        // the serial line in dom0).
        var (exchanges, notices) = ApplianceTranscript.Parse(ApplianceTranscript.Requests(string.Concat(typed.Select(t => t.Send))),
            boot.Log.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("(XEN)")));
        Assert.Equal(19, exchanges.Length);
        Assert.Equal(("get #k", "value #x"), (exchanges[10].Request, exchanges[10].Reply));
        Assert.Collection(notices, n => Assert.StartsWith("# appliance ready", n.Text), n => Assert.StartsWith("# appliance: goodbye", n.Text));
    }
}

// The client's side of the appliance's protocol (README.md, "The appliance's protocol"). From the greeting
// on, every line is a notice ("# ", at any time) or the reply to the oldest request not yet answered, and a
// reply starts with its request's word (or "error"), never with '#'. An empty request line is no request.
// Parse checks exactly that and pairs each request with its reply, keeping every line's position.
public static class ApplianceTranscript
{
    public const string Greeting = "# appliance ready";
    private static readonly string[] ReplyWords = ["ok", "value", "error", "keys", "stats", "status", "help:"];

    public sealed record Exchange(string Request, string Reply, int Line);
    public sealed record Notice(string Text, int Line);

    // The request lines of typed input: split at '\r' (Enter), as the appliance reads them.
    public static IEnumerable<string> Requests(string typed) => typed.Split('\r')[..^1];

    public static (Exchange[] Exchanges, Notice[] Notices) Parse(IEnumerable<string> requests, IEnumerable<string> output)
    {
        var waiting = new Queue<string>(requests.Where(r => r.Length > 0));
        var exchanges = new List<Exchange>();
        var notices = new List<Notice>();
        int index = -1;
        bool ready = false;
        foreach (string raw in output)
        {
            index++;
            string line = raw.TrimEnd('\r');
            ready |= line.StartsWith(Greeting, StringComparison.Ordinal);
            if (!ready) continue; // boot output
            if (line.StartsWith("# ", StringComparison.Ordinal)) { notices.Add(new Notice(line, index)); continue; }
            string word = line.Split(' ')[0];
            Assert.True(ReplyWords.Contains(word), $"line {index} is neither a notice nor a reply: '{line}'");
            Assert.True(waiting.TryDequeue(out string? request), $"reply without a request: '{line}'");
            string expected = Word(request);
            Assert.True(word == expected || word == "error", $"'{request}' got '{line}' (expected {expected} or error)");
            if (request == "quit") Assert.Equal("ok bye", line);
            exchanges.Add(new Exchange(request, line, index));
        }
        Assert.True(ready, "no greeting");
        Assert.True(waiting.Count == 0, $"no reply to: {string.Join(" | ", waiting)}");
        return (exchanges.ToArray(), notices.ToArray());
    }

    private static string Word(string request) => request.Split(' ')[0] switch
    {
        "set" or "del" or "quit" => "ok",
        "get" => "value",
        "keys" => "keys",
        "stats" => "stats",
        "status" => "status",
        "help" => "help:",
        _ => "error",
    };
}

// The parser itself, on a made-up transcript with notices between requests and replies.
public class ApplianceTranscriptTests
{
    private static readonly string[] Requests = ["set a 1", "get a", "", "status", "quit"];

    [Fact]
    public void Notices_between_a_request_and_its_reply_leave_one_reply_per_request()
    {
        var (exchanges, notices) = ApplianceTranscript.Parse(Requests,
        [
            "memory: boot output", "# appliance ready: ...", "ok",
            "# status: xenstore has not answered a write for 1000 ms; requests wait until it does",
            "# status: xenstore answered after 3000 ms", "value 1", "status ready keys=1 xenstore=published; ...",
            "ok bye", "# appliance: goodbye (power off); 1 keys lost (memory only)",
        ]);
        Assert.Equal([("set a 1", "ok"), ("get a", "value 1"), ("status", "status ready keys=1 xenstore=published; ..."), ("quit", "ok bye")],
            exchanges.Select(e => (e.Request, e.Reply)));
        Assert.Equal([1, 3, 4, 8], notices.Select(n => n.Line)); // the greeting is a notice too
        Assert.True(notices[1].Line > exchanges[0].Line && notices[2].Line < exchanges[1].Line);
    }

    [Theory]
    [InlineData("appliance: goodbye")] // a notice without its prefix
    [InlineData("#x")]                 // '#' but not "# "
    [InlineData("ok")]                 // a reply too many
    public void A_line_that_is_neither_notice_nor_expected_reply_fails(string extra) =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => ApplianceTranscript.Parse(Requests,
            ["# appliance ready", "ok", "value 1", "status ready", "ok bye", extra]));

    [Fact]
    public void A_missing_or_mismatched_reply_fails()
    {
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => ApplianceTranscript.Parse(Requests, ["# appliance ready", "ok", "value 1", "status ready"]));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => ApplianceTranscript.Parse(Requests, ["# appliance ready", "ok", "status ready", "value 1", "ok bye"]));
    }
}
