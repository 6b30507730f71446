using System;
using Unikernel;
using Unikernel.Core.Text;

// The smallest useful appliance: greet, then report what this domain learned about itself.
public static class Program
{
    public static int Main()
    {
        Console.WriteLine("Hello from Unikernel.NET!");

        var xen = new TextBuilder(stackalloc char[32]); // "4.17.7-pre": major.minor and up to 16 characters
        DomainFacts.AppendXenVersion(ref xen);
        Console.Write($"facts: xen={xen.Text} nr_pages={DomainFacts.PageCount} dom0={(DomainFacts.IsDom0 ? "yes" : "no")} cmdline=\"");
        Console.Write(DomainFacts.CommandLine);
        Console.WriteLine("\"");

        // Started by a toolstack (xl create), the domain also knows its id and name from xenstore.
        if (XenStore.IsAvailable)
        {
            Span<byte> name = stackalloc byte[64];
            long length = DomainFacts.ReadName(name);
            Console.Write($"domain: id={DomainFacts.DomainId} name=");
            if (length < 0) Console.WriteLine(XenStore.ErrorName(length));
            else Console.WriteLine(name.Slice(0, (int)length));
        }
        return 0;
    }
}
