using System;
using System.Threading.Tasks;
using CsCheck;

namespace Unikernel.Tests.Core;

// How the property tests over untrusted input run: 10,000 generated inputs each (CsCheck shrinks a failing
// one), under a time limit so that an input that hangs the parser fails the test instead of the run.
internal static class Property
{
    public const int Iterations = 10_000;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static void Check<T>(Gen<T> gen, Action<T> property, Func<T, string>? print = null)
    {
        Task run = Task.Run(() => gen.Sample(property, iter: Iterations, print: print));
        if (Task.WhenAny(run, Task.Delay(Limit)).GetAwaiter().GetResult() != run)
            throw new Xunit.Sdk.XunitException($"no result after {Limit.TotalMinutes} minutes: a generated input hangs");
        run.GetAwaiter().GetResult();
    }
}
