using Microsoft.CodeAnalysis;

namespace Unikernel.Analyzers
{
    // The diagnostics, each with what to use instead. README.md's "C# in the guest" lists the same.
    public static class Rules
    {
        public const string Category = "Unikernel.Guest";
        // README.md has an anchor per id (<a id="uk0001">) in its table of C# features.
        public const string HelpLink = "README.md#";

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
                helpLinkUri: HelpLink + id.ToLowerInvariant());

        public static readonly DiagnosticDescriptor Catch = Error("UK0001",
            "'catch' never runs in the guest",
            "'catch' never runs in the guest: a throw is fatal (it prints the message and crashes the domain); check before the call or return a status (a bool, an error code, a TryX method) instead");

        public static readonly DiagnosticDescriptor Delegate = Error("UK0002",
            "Delegates need runtime support the guest lacks",
            "{0} converted to delegate type '{1}' needs runtime support the guest lacks; use a static method through a function pointer (delegate*<...> f = &Method) and pass state as an argument, or call a local function directly");

        public static readonly DiagnosticDescriptor Boxing = Error("UK0003",
            "Boxing needs runtime support the guest lacks",
            "{0}; the guest cannot box a value: {1}");

        public static readonly DiagnosticDescriptor Linq = Error("UK0004",
            "LINQ is not in the guest",
            "{0} is not in the guest (no System.Linq, no delegates); write a for or foreach loop over the array or span");

        public static readonly DiagnosticDescriptor StringConcat = Error("UK0005",
            "String concatenation allocates and is not in the guest",
            "String concatenation allocates and String.Concat is not in the guest's corlib; write the parts in turn (Console.Write(a); Console.Write(b)), append them to a TextBuilder, or pass an interpolated string straight to Console.WriteLine($\"...\") or TextBuilder.Append($\"...\")");

        public static readonly DiagnosticDescriptor Async = Error("UK0006",
            "async/await and tasks are not in the guest",
            "{0} needs tasks and a scheduler the guest lacks; do the work in the main loop and wait with Console.ReadLine, Clock.Sleep, Timers.StartAfter or Lifecycle.WaitUntil");

        public static readonly DiagnosticDescriptor Threads = Error("UK0007",
            "Threads and locks are not in the guest",
            "{0}: the guest runs one thread (no Monitor, no Thread); drop the lock, use Interlocked or Volatile for data a timer callback shares, and Timers for work later");

        public static readonly DiagnosticDescriptor MissingBcl = Error("UK0008",
            "Not in the guest's corlib",
            "'{0}' is not in the guest's corlib; {1}");

        public static readonly DiagnosticDescriptor InterpolatedString = Error("UK0009",
            "An interpolated string stored as a string allocates",
            "An interpolated string made into a '{0}' needs String.Format and allocates; pass it straight to Console.Write/WriteLine($\"...\") or TextBuilder.Append($\"...\"), which format into a buffer");

        public static readonly DiagnosticDescriptor FinallyAroundThrow = new DiagnosticDescriptor("UK0010",
            "'finally' does not run when its try block throws",
            "This 'finally' does not run when the throw on line {0} happens: a throw is fatal in the guest; return a status instead of throwing if the clean-up matters",
            Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink + "uk0010");
    }
}
