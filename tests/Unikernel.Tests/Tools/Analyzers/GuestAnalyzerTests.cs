using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Unikernel.Analyzers;
using static Unikernel.Tests.Tools.Analyzers.GuestAnalyzerVerifier;

namespace Unikernel.Tests.Tools.Analyzers;

// One test class per diagnostic: what it reports ({|UKnnnn:span|} marks the expected place) and valid guest
// code it must leave alone, which also has to compile against our corlib.
public class GuestAnalyzerActivationTests
{
    private const string Catch = """
        public static class Program
        {
            public static int Main() { try { return 1; } catch { return 0; } }
        }
        """;

    [Fact]
    public Task Reports_in_a_guest_build() =>
        Run(Catch.Replace("catch", "{|UK0001:catch|}"), "true", CompilerDiagnostics.None);

    [Fact]
    public Task Silent_in_a_host_build_without_the_property() => Run(Catch, null, CompilerDiagnostics.None);

    [Fact]
    public Task Silent_when_the_property_is_false() => Run(Catch, "false", CompilerDiagnostics.None);
}

public class CatchTests
{
    [Fact]
    public Task Catch_clauses_are_reported() => Reports("""
        public static class Program
        {
            static bool Fail() => throw new System.InvalidOperationException("boom");
            public static int Main()
            {
                try { Fail(); } {|UK0001:catch|} (System.InvalidOperationException) { return 1; }
                try { Fail(); } {|UK0001:catch|} when (Main() > 0) { return 2; }
                return 0;
            }
        }
        """);

    [Fact]
    public Task Throw_and_finally_without_a_throw_are_accepted() => Accepts("""
        public static class Program
        {
            static int k;
            static void Check(int v) { if (v < 0) throw new System.ArgumentException("negative"); }
            public static int Main()
            {
                try { k++; } finally { k--; }
                Check(k);
                return 0;
            }
        }
        """);
}

public class FinallyAroundThrowTests
{
    [Fact]
    public Task A_finally_whose_try_throws_is_a_warning_naming_the_line() => Reports("""
        public static class Program
        {
            static int k;
            public static int Main()
            {
                try
                {
                    if (k > 0) throw new System.InvalidOperationException("boom");
                }
                {|#0:finally|} { k = 0; }
                return 0;
            }
        }
        """, Diagnostic(Rules.FinallyAroundThrow).WithLocation(0).WithArguments(8));

    [Fact]
    public Task A_throw_in_a_local_function_inside_the_try_is_not_the_try_throwing() => Accepts("""
        public static class Program
        {
            static int k;
            public static int Main()
            {
                try
                {
                    static int Never() => throw new System.InvalidOperationException("never called");
                    k++;
                }
                finally { k = 0; }
                return 0;
            }
        }
        """);
}

public class DelegateTests
{
    [Fact]
    public Task Lambdas_anonymous_methods_and_method_groups_are_reported() => Reports("""
        public delegate int F(int x);
        public static class Program
        {
            static int Inc(int x) => x + 1;
            public static int Main()
            {
                int n = 5;
                F capturing = {|UK0002:x => x + n|};
                F noCapture = {|UK0002:static x => x + 1|};
                F group = {|UK0002:Inc|};
                F anonymous = {|UK0002:delegate (int x) { return x; }|};
                return capturing(1) + noCapture(1) + group(1) + anonymous(1);
            }
        }
        """);

    [Fact]
    public Task The_message_names_the_delegate_type() => Reports("""
        public delegate int F();
        public static class Program
        {
            public static int Main() { int n = 1; F f = {|#0:() => n|}; return f(); }
        }
        """, Diagnostic(Rules.Delegate).WithLocation(0).WithArguments("A lambda", "F"));

    [Fact]
    public Task Function_pointers_and_local_functions_are_accepted() => Accepts("""
        public static unsafe class Program
        {
            static int Inc(int x) => x + 1;
            public static int Main()
            {
                int n = 5;
                delegate*<int, int> f = &Inc;
                int Add(int x) => x + n;
                return f(1) + Add(1) - 8;
            }
        }
        """);
}

public class BoxingTests
{
    [Fact]
    public Task Conversions_to_object_and_interfaces_are_reported() => Reports("""
        public interface IShape { int Area(); }
        public struct Square : IShape { public int S; public int Area() => S * S; }
        public static class Program
        {
            static void Take(object o) { }
            public static int Main()
            {
                int n = 5;
                object o = {|UK0003:n|};
                IShape shape = {|UK0003:new Square()|};
                Take({|UK0003:n|});
                return 0;
            }
        }
        """);

    [Fact]
    public Task Object_methods_a_value_type_does_not_override_are_reported() => Reports("""
        using Unikernel;
        public enum Color { Red }
        public struct P { public int X; }
        public static class Program
        {
            public static int Main()
            {
                int n = 5;
                Console.WriteLine({|UK0003:n.ToString()|});
                Console.WriteLine({|UK0003:Color.Red.ToString()|});
                return {|UK0003:new P().GetHashCode()|} + ({|UK0003:new P().Equals({|UK0003:new P()|})|} ? 1 : 0);
            }
        }
        """);

    [Fact]
    public Task Overrides_constrained_generics_references_and_interpolation_holes_are_accepted() => Accepts("""
        using Unikernel;
        public interface IShape { int Area(); }
        public struct Square : IShape { public int S; public int Area() => S * S; public override string ToString() => "square"; }
        public sealed class Circle : IShape { public int Area() => 3; }
        public static class Program
        {
            static int AreaOf<T>(T shape) where T : IShape => shape.Area();
            static string Name<T>(T value) => value!.ToString() ?? "";
            public static int Main()
            {
                var square = new Square { S = 3 };
                IShape circle = new Circle();
                int n = 5;
                Console.WriteLine(square.ToString());
                Console.WriteLine($"n={n} area={AreaOf(square)}");
                return AreaOf(square) + circle.Area() - 12;
            }
        }
        """);
}

public class LinqTests
{
    [Fact]
    public Task Queries_and_the_System_Linq_namespace_are_reported() => Reports("""
        using {|UK0004:System.Linq|};
        public static class Program
        {
            public static int Main()
            {
                int[] a = new int[3];
                var q = {|UK0004:from|} x in a select x;
                return {|UK0004:Enumerable|}.Count(a);
            }
        }
        """);

    [Fact]
    public Task Loops_and_a_type_of_the_users_called_Enumerable_are_accepted() => Accepts("""
        public static class Enumerable { public static int Count(int[] a) => a.Length; }
        public static class Program
        {
            public static int Main()
            {
                int[] a = new int[3];
                int sum = 0;
                for (int i = 0; i < a.Length; i++) sum += a[i];
                System.Span<int> span = stackalloc int[3];
                foreach (int x in span) sum += x;
                return sum + Enumerable.Count(a) - 3;
            }
        }
        """);
}

public class StringConcatenationTests
{
    [Fact]
    public Task Concatenations_are_reported_once_per_expression() => Reports("""
        public static class Program
        {
            public static int Main()
            {
                string a = "x";
                string b = {|UK0005:a + "y" + a|};
                {|UK0005:b += "z"|};
                return b.Length;
            }
        }
        """);

    [Fact]
    public Task Constant_concatenation_is_accepted() => Accepts("""
        public static class Program
        {
            const string Prefix = "uk";
            public static int Main()
            {
                string name = Prefix + ": " + nameof(Main);
                return name.Length - 8;
            }
        }
        """);
}

public class AsyncTests
{
    [Fact]
    public Task Async_and_await_and_tasks_are_reported() => Reports("""
        using {|UK0006:System.Threading.Tasks|};
        public static class Program
        {
            static {|UK0006:async|} {|UK0006:Task|} Go() { {|UK0006:await|} {|UK0006:Task|}.Delay(1); }
            public static int Main() => 0;
        }
        """);

    [Fact]
    public Task The_word_async_as_a_name_is_accepted() => Accepts("""
        public static class Program
        {
            static int Async() => 1;
            public static int Main() { int async = Async(); return async - 1; }
        }
        """);
}

public class ThreadsTests
{
    [Fact]
    public Task Lock_and_threads_are_reported() => Reports("""
        public static class Program
        {
            static readonly object Gate = new object();
            public static int Main()
            {
                {|UK0007:lock|} (Gate) { }
                var t = new System.Threading.{|UK0007:Thread|}(null);
                return 0;
            }
        }
        """);

    [Fact]
    public Task Interlocked_and_a_type_of_the_users_called_Monitor_are_accepted() => Accepts("""
        public sealed class Monitor { public int Count; }
        public static class Program
        {
            static int counter;
            public static int Main()
            {
                System.Threading.Interlocked.Increment(ref counter);
                return new Monitor().Count + counter - 1;
            }
        }
        """);
}

public class MissingBclTests
{
    [Fact]
    public Task Well_known_BCL_types_that_do_not_bind_are_reported() => Reports("""
        using {|UK0008:System.Collections.Generic|};
        public static class Program
        {
            public static int Main()
            {
                var list = new {|UK0008:List<int>|}();
                var text = new System.Text.{|UK0008:StringBuilder|}();
                return {|UK0008:Math|}.Max(1, 2);
            }
        }
        """);

    [Fact]
    public Task The_message_says_what_to_use_instead() => Reports("""
        public static class Program
        {
            public static int Main() => {|#0:Math|}.Abs(-1);
        }
        """, Diagnostic(Rules.MissingBcl).WithLocation(0).WithArguments("Math", "add 'using System;': the corlib's Math has Min, Max, Abs, Clamp, DivRem and BigMul for integers"));

    [Fact]
    public Task Tuples_are_reported() => Reports("""
        public static class Program
        {
            static {|UK0008:(int, int)|} Pair() => {|UK0008:(1, 2)|};
            public static int Main()
            {
                int a = 1, b = 2;
                {|UK0008:(a, b)|} = {|UK0008:(b, a)|};
                return a;
            }
        }
        """);

    [Fact]
    public Task Users_own_types_aliases_and_members_with_BCL_names_are_accepted() => Accepts("""
        using Console = Unikernel.Console;
        public sealed class List<T> { public int Count; }
        public struct Shape { public int Math; }
        public static class Program
        {
            public static int Main()
            {
                var list = new List<int>();
                var shape = new Shape { Math: 0 == 0 ? 1 : 0 };
                Console.WriteLine("ok");
                return list.Count + shape.Math - 1;
            }
        }
        """.Replace("Math: 0 == 0 ? 1 : 0", "Math = 1"));
}

public class InterpolatedStringTests
{
    [Fact]
    public Task An_interpolated_string_made_into_a_string_is_reported() => Reports("""
        public static class Program
        {
            public static int Main()
            {
                int n = 1;
                string s = {|#0:$"n={n}"|};
                return s.Length;
            }
        }
        """, Diagnostic(Rules.InterpolatedString).WithLocation(0).WithArguments("string"));

    [Fact]
    public Task Interpolation_into_handlers_and_constant_interpolation_are_accepted() => Accepts("""
        using System;
        using Unikernel;
        using Unikernel.Core.Text;
        public static class Program
        {
            const string Name = "uk";
            const string Greeting = $"hello {Name}";
            public static int Main()
            {
                int n = 5;
                Console.WriteLine($"count={n} hex={n:x8}");
                Span<char> buffer = stackalloc char[64];
                var text = new TextBuilder(buffer);
                text.Append($"n={n}");
                Console.Write("ok"u8);
                return Greeting.Length - 8;
            }
        }
        """);
}
