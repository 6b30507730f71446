using System.Collections.Generic;
using CsCheck;
using Unikernel.Core.Net;

namespace Unikernel.Tests.Core.Net;

// The neighbour table on its own: lookups make pending entries and ask for requests at most once a second,
// answers resolve them, entries expire after a minute (refreshed before that while in use), and a full
// table gives up its least recently used entry.
public sealed class ArpCacheTests
{
    private const ulong Second = 1_000_000_000;

    [Fact]
    public void A_lookup_asks_once_a_second_until_answered()
    {
        var cache = new ArpCache();
        Assert.False(cache.Lookup(5, 0, out _, out bool request));
        Assert.True(request);
        Assert.False(cache.Lookup(5, Second - 1, out _, out request));
        Assert.False(request);
        Assert.False(cache.Lookup(5, Second, out _, out request));
        Assert.True(request);
        Assert.True(cache.Update(5, new MacAddress(0xAB), Second + 1));
        Assert.True(cache.Lookup(5, Second + 2, out MacAddress mac, out request));
        Assert.Equal(0xABul, mac.Value);
        Assert.False(request);
    }

    [Fact]
    public void Update_makes_no_entry_but_insert_does()
    {
        var cache = new ArpCache();
        Assert.False(cache.Update(5, new MacAddress(1), 0));
        Assert.Equal(0, cache.Count);
        cache.Insert(5, new MacAddress(1), 0);
        Assert.True(cache.TryGet(5, 0, out _));
    }

    [Fact]
    public void Entries_expire_after_a_minute_and_are_refreshed_in_use()
    {
        var cache = new ArpCache();
        cache.Insert(5, new MacAddress(1), 0);
        Assert.True(cache.Lookup(5, ArpCache.RefreshAfter - 1, out _, out bool request));
        Assert.False(request);
        Assert.True(cache.Lookup(5, ArpCache.RefreshAfter, out _, out request));
        Assert.True(request);
        Assert.True(cache.Lookup(5, ArpCache.RefreshAfter + 1, out _, out request));
        Assert.False(request);
        Assert.True(cache.TryGet(5, ArpCache.Lifetime - 1, out _));
        Assert.False(cache.TryGet(5, ArpCache.Lifetime, out _));
        Assert.False(cache.Lookup(5, ArpCache.Lifetime, out _, out request));
        Assert.True(request);
    }

    [Fact]
    public void A_full_table_replaces_the_least_recently_used()
    {
        var cache = new ArpCache();
        for (uint ip = 1; ip <= ArpCache.Capacity; ip++) cache.Insert(ip, new MacAddress(ip), ip);
        Assert.True(cache.Lookup(1, 100, out _, out _)); // 1 is used again: 2 is now the oldest
        cache.Insert(100, new MacAddress(100), 101);
        Assert.Equal(ArpCache.Capacity, cache.Count);
        Assert.True(cache.TryGet(1, 102, out _));
        Assert.False(cache.TryGet(2, 102, out _));
        Assert.True(cache.TryGet(100, 102, out _));
    }

    [Fact]
    public void A_pending_entry_is_given_up_after_its_requests()
    {
        var cache = new ArpCache();
        cache.Lookup(5, 0, out _, out _);
        Assert.True(cache.NextDueRequest(Second, out uint ip));
        Assert.Equal(5u, ip);
        Assert.False(cache.NextDueRequest(Second, out _));
        Assert.True(cache.NextDueRequest(2 * Second, out _));
        Assert.Equal(3 * Second, cache.NextDeadline);
        Assert.False(cache.NextDueRequest(3 * Second, out _));
        Assert.Equal(0, cache.Count);
        Assert.Equal(ulong.MaxValue, cache.NextDeadline);
    }

    // Found by the property below (seed dUdLV59Q_FM1): an entry refreshed just before it expired was freed,
    // and the next lookup asked again at once, twice within a RetryInterval. Also when another address's
    // lookup is the first to see it expire (that once freed the slot and lost its last request).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_entry_expiring_after_its_refresh_is_not_asked_again_sooner(bool otherLookupFirst)
    {
        var cache = new ArpCache();
        ulong refresh = ArpCache.Lifetime - Second / 4;
        cache.Insert(5, new MacAddress(1), 0);
        Assert.True(cache.Lookup(5, refresh, out _, out bool request));
        Assert.True(request);
        if (otherLookupFirst) cache.Lookup(6, ArpCache.Lifetime, out _, out _);
        Assert.False(cache.Lookup(5, ArpCache.Lifetime + 1, out _, out request));
        Assert.False(request);
        Assert.False(cache.TryGet(5, ArpCache.Lifetime + 1, out _));
        Assert.False(cache.NextDueRequest(refresh + Second - 1, out _));
        Assert.Equal(refresh + Second, cache.NextDeadline);
        Assert.True(cache.NextDueRequest(refresh + Second, out uint ip));
        Assert.Equal(5u, ip);
        Assert.True(cache.Update(5, new MacAddress(2), refresh + Second + 1));
        Assert.True(cache.Lookup(5, refresh + Second + 2, out MacAddress mac, out request));
        Assert.Equal(2ul, mac.Value);
        Assert.False(request);
    }

    // Unanswered, it is given up after MaxRequests in all, the refresh counting as the first.
    [Fact]
    public void An_entry_whose_refresh_goes_unanswered_is_given_up()
    {
        var cache = new ArpCache();
        ulong refresh = ArpCache.Lifetime - Second / 4;
        cache.Insert(5, new MacAddress(1), 0);
        cache.Lookup(5, refresh, out _, out _);
        Assert.False(cache.Lookup(5, ArpCache.Lifetime, out _, out _));
        Assert.True(cache.NextDueRequest(refresh + Second, out _));
        Assert.True(cache.NextDueRequest(refresh + 2 * Second, out _));
        Assert.False(cache.NextDueRequest(refresh + 3 * Second, out _));
        Assert.Equal(0, cache.Count);
    }

    // Random traffic over more addresses than entries: the table never holds more than its capacity, a
    // resolved lookup gives the MAC of the last answer (never one older than Lifetime), and while no entry
    // has had to be replaced, no address is asked for more than once a RetryInterval.
    [Fact]
    public void Any_traffic_keeps_the_table_consistent()
    {
        var operations = Gen.Select(Gen.Int[0, 3], Gen.UInt[1, 24], Gen.ULong[0, 3 * Second], Gen.ULong[1, 1000]).Array[1, 60];
        Property.Check(operations, steps =>
        {
            var cache = new ArpCache();
            var answered = new Dictionary<uint, (ulong Mac, ulong At)>();
            var asked = new Dictionary<uint, ulong>();
            var seen = new HashSet<uint>();
            ulong now = 0;
            foreach (var (kind, address, advance, mac) in steps)
            {
                uint ip = address;
                now += advance;
                if (kind != 3) seen.Add(ip);
                bool requested = false;
                if (kind == 0) { cache.Insert(ip, new MacAddress(mac), now); answered[ip] = (mac, now); }
                else if (kind == 1) { if (cache.Update(ip, new MacAddress(mac), now)) answered[ip] = (mac, now); }
                else if (kind == 2)
                {
                    if (cache.Lookup(ip, now, out MacAddress got, out requested))
                    {
                        Assert.Equal(answered[ip].Mac, got.Value);
                        Assert.True(now < answered[ip].At + ArpCache.Lifetime);
                    }
                }
                else if (cache.NextDueRequest(now, out uint due)) { ip = due; requested = true; }
                if (requested)
                {
                    if (asked.TryGetValue(ip, out ulong last) && seen.Count <= ArpCache.Capacity) Assert.True(now >= last + ArpCache.RetryInterval);
                    asked[ip] = now;
                }
                Assert.True(cache.Count <= ArpCache.Capacity);
            }
        });
    }
}
