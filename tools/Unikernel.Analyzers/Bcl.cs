using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Unikernel.Analyzers
{
    // Well-known BCL names the guest's corlib does not have, and what to use instead. Reported only where the
    // name does not bind (the compiler reports its own CS0246/CS0234 there too), so a user's own type of the
    // same name is never flagged.
    internal static class Bcl
    {
        internal sealed class Advice
        {
            public Advice(DiagnosticDescriptor rule, string instead) { Rule = rule; Instead = instead; }
            public DiagnosticDescriptor Rule { get; }
            public string Instead { get; }
        }

        private const string Collection = "use Unikernel.FixedList<T> (a fixed capacity in pages of its own), a fixed-size array, or a Span<T> over stackalloc (new T[n] is never freed)";
        private const string Table = "use Unikernel.FixedMap<TKey, TValue> (a fixed capacity in pages of its own)";
        private const string Ring = "use Unikernel.FixedQueue<T> (a ring of fixed capacity in pages of its own)";

        public static readonly Dictionary<string, Advice> Types = new Dictionary<string, Advice>
        {
            ["List"] = new Advice(Rules.MissingBcl, Collection),
            ["IList"] = new Advice(Rules.MissingBcl, Collection),
            ["ArrayList"] = new Advice(Rules.MissingBcl, Collection),
            ["IEnumerable"] = new Advice(Rules.MissingBcl, "take a ReadOnlySpan<T> or an array and loop over it"),
            ["IEnumerator"] = new Advice(Rules.MissingBcl, "take a ReadOnlySpan<T> or an array and loop over it"),
            ["Dictionary"] = new Advice(Rules.MissingBcl, Table),
            ["IDictionary"] = new Advice(Rules.MissingBcl, Table),
            ["HashSet"] = new Advice(Rules.MissingBcl, Table),
            ["Hashtable"] = new Advice(Rules.MissingBcl, Table),
            ["Queue"] = new Advice(Rules.MissingBcl, Ring),
            ["Stack"] = new Advice(Rules.MissingBcl, Ring),
            ["StringBuilder"] = new Advice(Rules.MissingBcl, "use Unikernel.Core.Text.TextBuilder over a stackalloc'd Span<char>"),
            ["Math"] = new Advice(Rules.MissingBcl, "add 'using System;': the corlib's Math has Min, Max, Abs, Clamp, DivRem and BigMul for integers"),
            ["Func"] = new Advice(Rules.MissingBcl, "use a function pointer: delegate*<int, int> f = &StaticMethod"),
            ["Action"] = new Advice(Rules.MissingBcl, "use a function pointer: delegate*<void> f = &StaticMethod"),
            ["Predicate"] = new Advice(Rules.MissingBcl, "use a function pointer: delegate*<T, bool> f = &StaticMethod"),
            ["Environment"] = new Advice(Rules.MissingBcl, "use Unikernel.DomainFacts (CommandLine) and Clock"),
            ["DateTime"] = new Advice(Rules.MissingBcl, "use Unikernel.Clock: Now (monotonic ns) and WallClock (ns since the Unix epoch)"),
            ["TimeSpan"] = new Advice(Rules.MissingBcl, "use nanoseconds as a long with Unikernel.Clock"),
            ["Stopwatch"] = new Advice(Rules.MissingBcl, "use Unikernel.Clock.Now (monotonic ns)"),
            ["Random"] = new Advice(Rules.MissingBcl, "write a small generator (xorshift) seeded from Unikernel.Clock.Now"),
            ["File"] = new Advice(Rules.MissingBcl, "the guest has no file system; keep data in memory (Pages) or in the xenstore (Unikernel.XenStore)"),
            ["Encoding"] = new Advice(Rules.MissingBcl, "write bytes directly (\"text\"u8 literals, Console.Write(ReadOnlySpan<byte>))"),
            ["Console"] = new Advice(Rules.MissingBcl, "add 'using Unikernel;' for the guest's Console"),
            ["Task"] = new Advice(Rules.Async, ""),
            ["ValueTask"] = new Advice(Rules.Async, ""),
            ["Thread"] = new Advice(Rules.Threads, ""),
            ["ThreadPool"] = new Advice(Rules.Threads, ""),
            ["Monitor"] = new Advice(Rules.Threads, ""),
            ["Mutex"] = new Advice(Rules.Threads, ""),
            ["SemaphoreSlim"] = new Advice(Rules.Threads, ""),
            ["Parallel"] = new Advice(Rules.Threads, ""),
            ["Enumerable"] = new Advice(Rules.Linq, ""),
        };

        public static readonly Dictionary<string, Advice> Namespaces = new Dictionary<string, Advice>
        {
            ["System.Linq"] = new Advice(Rules.Linq, ""),
            ["System.Collections"] = new Advice(Rules.MissingBcl, Collection),
            ["System.Collections.Generic"] = new Advice(Rules.MissingBcl, Collection),
            ["System.Text"] = new Advice(Rules.MissingBcl, "use Unikernel.Core.Text.TextBuilder to build text"),
            ["System.IO"] = new Advice(Rules.MissingBcl, "the guest has no file system or streams; use Unikernel.Console and Unikernel.XenStore"),
            ["System.Threading.Tasks"] = new Advice(Rules.Async, ""),
            ["System.Diagnostics"] = new Advice(Rules.MissingBcl, "use Unikernel.Clock for timing; Console.WriteLine for tracing"),
        };
    }
}
