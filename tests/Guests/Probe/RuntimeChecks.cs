using System;
using Unikernel.Core.Text;
using Unikernel.Xen;

// The language features the guest runtime must support, each printed as "check <name>: ok|FAIL".
internal static class RuntimeChecks
{
    private static readonly string Greeting = "static string";
    private static readonly int[] Primes = { 2, 3, 5, 7, 11 };
    private static int s_counter = Compute();
    private static Shape s_shape = new Square(3);

    private static int Compute() => 40 + 2;

    private interface IArea { int Area(); }
    private abstract class Shape : IArea { public abstract int Area(); public virtual int Sides => 0; }
    private sealed class Square : Shape
    {
        private readonly int _side;
        public Square(int side) { _side = side; }
        public override int Area() => _side * _side;
        public override int Sides => 4;
    }

    // Its static constructor calls the hypervisor, so ilc cannot pre-evaluate it: it runs on first use.
    private static class RuntimeInitialized
    {
        public static readonly Square Shape = new Square((int)XenVersion.Major);
        public static readonly uint[] Versions = { XenVersion.Major, XenVersion.Minor };
    }

    private unsafe struct Packet { public fixed byte Bytes[16]; public int Length; }

    public static int Run()
    {
        int failures = 0;
        failures += CheckReport.Check("static-string", Greeting.Length == 13 && Greeting[7] == 's');
        failures += CheckReport.Check("static-array", Primes.Length == 5 && Primes[4] == 11);
        failures += CheckReport.Check("static-cctor", s_counter == 42);
        failures += CheckReport.Check("static-object", s_shape.Area() == 9);

        failures += CheckReport.Check("runtime-cctor", RuntimeInitialized.Shape.Area() == (int)(XenVersion.Major * XenVersion.Major)
            && RuntimeInitialized.Versions[1] == XenVersion.Minor);

        Shape shape = new Square(5);
        failures += CheckReport.Check("virtual-call", shape.Area() == 25 && shape.Sides == 4);
        IArea area = shape;
        failures += CheckReport.Check("interface-call", area.Area() == 25);
        object boxed = shape;
        failures += CheckReport.Check("cast", boxed is Square && (boxed as IArea) != null && !(boxed is string));

        var numbers = new long[100];
        for (int i = 0; i < numbers.Length; i++) numbers[i] = (long)i * i;
        failures += CheckReport.Check("array", numbers[99] == 9801);

        Span<ulong> stack = stackalloc ulong[32];
        for (int i = 0; i < stack.Length; i++) stack[i] = (ulong)i << 32;
        failures += CheckReport.Check("stackalloc", stack[31] == 31UL << 32);

        var packet = new Packet();
        unsafe { packet.Bytes[15] = 0xAB; }
        packet.Length = 16;
        unsafe { failures += CheckReport.Check("fixed-buffer", packet.Bytes[15] == 0xAB && packet.Length == 16); }

        unsafe
        {
            delegate*<int, int> twice = &Twice;
            failures += CheckReport.Check("function-pointer", twice(21) == 42);
        }

        // The stack cookie was replaced at boot (the image carries a fixed placeholder).
        ulong cookie = StackCookie.Value;
        failures += CheckReport.Check("stack-cookie-set", cookie != 0x2b992ddfa232d00d && cookie != 0);
        Unikernel.Console.WriteLine($"stack cookie: 0x{cookie:x16} from {(StackCookie.FromRdrand ? "rdrand" : "tsc")}");

        Unikernel.Console.WriteLine($"runtime checks: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private static int Twice(int x) => x * 2;

}
