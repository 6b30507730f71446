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
}
