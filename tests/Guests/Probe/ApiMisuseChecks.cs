using System;
using Unikernel;

// Misuse of the public API gets the documented result, not a crash (run under xl, where xenstore is there).
internal static unsafe class ApiMisuseChecks
{
    public static int Run()
    {
        int failures = 0;

        // A 60 K value is refused before anything is put on the stack (it used to overflow it).
        var huge = new Span<char>(Pages.Allocate(30), 60_000);
        huge.Fill('v');
        failures += CheckReport.Check("xs-write-huge-value", XenStore.Write("data/probe-huge", huge) == XenStore.RequestTooLarge);
        failures += CheckReport.Check("xs-write-too-long-for-path", XenStore.Write("data/probe-huge", huge.Slice(0, 4090)) == XenStore.RequestTooLarge);

        // Text beyond Latin-1 is stored as UTF-8, not cut to its low byte.
        if (XenStore.IsAvailable)
        {
            long written = XenStore.Write("data/probe-utf8", "caf\u00e9 \u20ac \U0001F600");
            Span<byte> back = stackalloc byte[32];
            long n = XenStore.Read("data/probe-utf8", back);
            const string Expected = "\x63\x61\x66\xC3\xA9\x20\xE2\x82\xAC\x20\xF0\x9F\x98\x80"; // the UTF-8 bytes
            bool same = n == Expected.Length;
            for (int i = 0; same && i < Expected.Length; i++) same = back[i] == Expected[i];
            failures += CheckReport.Check("xs-write-utf8", written == 0 && same);
            Span<byte> small = stackalloc byte[3];
            failures += CheckReport.Check("xs-read-into-small-buffer", XenStore.Read("data/probe-utf8", small) == XenStore.TooBig);
        }
        else
        {
            failures += CheckReport.Check("xs-available-under-xl", false);
        }

        // Pages: 0 pages is null, freeing 0 pages is nothing, a real round trip works.
        failures += CheckReport.Check("pages-allocate-zero", Pages.Allocate(0) == null);
        void* page = Pages.Allocate();
        ulong free = Pages.FreeCount;
        Pages.Free(page, 0);
        bool unchanged = Pages.FreeCount == free;
        Pages.Free(page);
        failures += CheckReport.Check("pages-free-zero-is-nothing", page != null && unchanged && Pages.FreeCount == free + 1);

        Console.WriteLine(failures == 0 ? "api-misuse: 0 failed" : "api-misuse: FAILED");
        return failures;
    }
}
