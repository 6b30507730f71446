using System;
using System.Runtime.CompilerServices;
using Unikernel;
using Console = Unikernel.Console;

// Everyday C# under real Xen (mode=everyday): the corlib's span helpers, integer parsing and formatting and
// Math, and the fixed-capacity collections over pages, each a "check <name>: ok|FAIL" line; then a line of
// parsed and formatted values that the boot test compares with .NET's.
public static unsafe class EverydayChecks
{
    public static int Run()
    {
        int failures = 0;
        ReadOnlySpan<byte> request = "  set key value  "u8;
        ReadOnlySpan<char> text = " \t padded text\u00a0 ".AsSpan();

        ReadOnlySpan<byte> trimmed = request.Trim((byte)' ');
        failures += CheckReport.Check("span-sequence-equal", trimmed.SequenceEqual("set key value"u8) && !trimmed.SequenceEqual("set key valuE"u8)
            && !trimmed.SequenceEqual("set key"u8) && "abc".AsSpan().SequenceEqual("abc"));
        failures += CheckReport.Check("span-index-of", trimmed.IndexOf((byte)' ') == 3 && trimmed.LastIndexOf((byte)' ') == 7 && trimmed.IndexOf((byte)'#') == -1
            && trimmed.IndexOf("value"u8) == 8 && trimmed.IndexOf("values"u8) == -1 && trimmed.IndexOf(ReadOnlySpan<byte>.Empty) == 0
            && text.IndexOf('x') == 12 && text.IndexOfAny("xt") == 10);
        failures += CheckReport.Check("span-starts-ends-contains", trimmed.StartsWith("set "u8) && !trimmed.StartsWith("get "u8) && trimmed.EndsWith("value"u8)
            && !"ab"u8.EndsWith("abc"u8) && trimmed.Contains((byte)'k') && !trimmed.Contains((byte)'z'));
        failures += CheckReport.Check("span-trim", text.Trim().SequenceEqual("padded text") && text.TrimStart().StartsWith("padded")
            && text.TrimEnd().EndsWith(" text") && "   ".AsSpan().Trim().IsEmpty);
        long[] wide = new long[] { Opaque(1L << 40), Opaque(-1), Opaque(5) };
        failures += CheckReport.Check("span-generic", new ReadOnlySpan<long>(wide).IndexOf(-1L) == 1 && new Span<long>(wide).Contains(5L)
            && !new ReadOnlySpan<long>(wide).Contains(1L << 41));

        failures += CheckReport.Check("parse-int", int.TryParse(" -42 ", out int i) && i == -42 && int.TryParse("+2147483647", out int max) && max == int.MaxValue
            && int.TryParse("-2147483648", out int min) && min == int.MinValue && !int.TryParse("2147483648", out int over) && over == 0
            && !int.TryParse("12a", out _) && !int.TryParse("", out _) && !int.TryParse("-", out _) && int.TryParse("7\0", out int nul) && nul == 7);
        failures += CheckReport.Check("parse-utf8", long.TryParse("-9223372036854775808"u8, out long l) && l == long.MinValue
            && ulong.TryParse("18446744073709551615"u8, out ulong ul) && ul == ulong.MaxValue && !ulong.TryParse("18446744073709551616"u8, out _)
            && uint.TryParse("-0"u8, out uint zero) && zero == 0 && !uint.TryParse("-1"u8, out _) && int.TryParse(request.Slice(0, 2), out _) == false);

        Span<char> chars = stackalloc char[20];
        Span<byte> bytes = stackalloc byte[20];
        failures += CheckReport.Check("format", ((int)Opaque(int.MinValue)).TryFormat(chars, out int n) && chars.Slice(0, n).SequenceEqual("-2147483648")
            && ((ulong)Opaque(-1)).TryFormat(bytes, out n) && bytes.Slice(0, n).SequenceEqual("18446744073709551615"u8)
            && !((long)Opaque(-100)).TryFormat(chars.Slice(0, 3), out n) && n == 0 && ((uint)Opaque(0)).TryFormat(chars.Slice(0, 1), out n) && n == 1 && chars[0] == '0');

        int a = (int)Opaque(-7), b = (int)Opaque(3);
        ulong high = Math.BigMul((ulong)Opaque(-1), (ulong)Opaque(-1), out ulong low);
        failures += CheckReport.Check("math", Math.Min(a, b) == -7 && Math.Max(a, b) == 3 && Math.Abs(a) == 7 && Math.Clamp(a, -5, 5) == -5
            && Math.Max((ulong)Opaque(-1), 1UL) == ulong.MaxValue && Math.Min(Opaque(long.MinValue), 0L) == long.MinValue
            && Math.DivRem(a, b, out int rem) == -2 && rem == -1 && high == 0xFFFFFFFFFFFFFFFE && low == 1
            && Math.BigMul(int.MaxValue, int.MaxValue) == 0x3FFFFFFF00000001L);

        ulong freeBefore = Pages.FreeCount;
        failures += CheckReport.Check("fixed-list", FixedListWorks());
        failures += CheckReport.Check("fixed-queue", FixedQueueWorks());
        failures += CheckReport.Check("fixed-map", FixedMapWorks());
        failures += CheckReport.Check("fixed-pages-freed", Pages.FreeCount == freeBefore);

        // Parsed in the guest, formatted back by TryFormat (char and UTF-8) and Console: the boot test compares.
        int.TryParse("  -1234567 ", out int parsed);
        long.TryParse("9007199254740993"u8, out long big);
        ((long)parsed * 3).TryFormat(chars, out n);
        Console.Write("everyday-values: ");
        Console.Write(chars.Slice(0, n));
        big.TryFormat(bytes, out n);
        Console.Write(" "u8);
        Console.Write(bytes.Slice(0, n));
        Console.WriteLine($" {Math.Abs(parsed)} {Math.Clamp(big, 0, 1000)}");

        Console.WriteLine($"everyday: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private static bool FixedListWorks()
    {
        if (!FixedList<int>.TryCreate(2000, out var list)) return false;
        bool ok = list.Count == 0 && list.Capacity == 2000;
        for (int i = 0; i < 3000; i++) if (!list.TryAdd(i * 3)) break;
        ok &= list.Count == 2000 && list.IsFull && !list.TryAdd(1) && list[1999] == 5997;
        ok &= list.RemoveAt(0) && list[0] == 3 && list.TryInsert(0, -1) && list[0] == -1 && !list.TryInsert(5, 0);
        ok &= list.AsSpan().IndexOf(5997) == 1999 && !list.RemoveAt(2000);
        var copy = list;
        copy.Clear();
        ok &= list.Count == 0; // a handle: the copy is the same list
        list.Free();
        return ok;
    }

    private static bool FixedQueueWorks()
    {
        if (!FixedQueue<long>.TryCreate(5, out var queue)) return false;
        bool ok = !queue.TryDequeue(out _);
        long next = 0, expected = 0;
        // Around the ring several times: five in, three out, each turn.
        for (int turn = 0; turn < 10 && ok; turn++)
        {
            while (queue.TryEnqueue(next)) next++;
            ok &= queue.IsFull && queue.Count == 5;
            for (int k = 0; k < 3; k++) ok &= queue.TryDequeue(out long got) && got == expected++;
        }
        ok &= queue.TryPeek(out long head) && head == expected && queue.Count == 2;
        queue.Free();
        return ok;
    }

    private static bool FixedMapWorks()
    {
        if (!FixedMap<int, long>.TryCreate(1000, out var map)) return false;
        bool ok = true;
        for (int k = 0; k < 1000; k++) ok &= map.TrySet(k * 7919, k);
        ok &= map.Count == 1000 && !map.TrySet(-1, 0) && map.TrySet(7919, -5); // full: a new key no, an old one yes
        for (int k = 0; k < 1000; k += 2) ok &= map.Remove(k * 7919);
        ok &= map.Count == 500 && !map.Remove(0) && !map.ContainsKey(2 * 7919);
        for (int k = 1; k < 1000; k += 2) ok &= map.TryGetValue(k * 7919, out long v) && v == (k == 1 ? -5 : k);
        long sum = 0;
        int seen = 0;
        for (int position = 0; map.TryGetNext(ref position, out int key, out long value);) { seen++; sum += key / 7919; }
        ok &= seen == 500 && sum == 250000; // the odd numbers below 1000
        map.Free();
        return ok;
    }

    // Keeps values out of the compiler's reach, so the work runs in the guest.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Opaque(long value) => value;
}
