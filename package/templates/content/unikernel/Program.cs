using System;
using Unikernel;

// The entry point is a static Program.Main returning int: 0 powers the domain off cleanly, anything else
// crashes it. There is no BCL and no garbage collector in the guest: use spans, stackalloc and the
// Unikernel API (Console, Clock, Timers, Pages, XenStore, Lifecycle, DomainFacts).
public static class Program
{
    public static int Main()
    {
        Console.WriteLine("Hello from UnikernelApp!");
        Console.Write($"running on Xen with {DomainFacts.PageCount} pages, command line \"");
        Console.Write(DomainFacts.CommandLine);
        Console.WriteLine("\"");
        return 0;
    }
}
