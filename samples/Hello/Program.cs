using System;
using Unikernel;
using Unikernel.Core.Text;

// The smallest useful appliance: greet, then report what this domain learned about itself.
public static class Program
{
    public static int Main()
    {
        Console.WriteLine("Hello from Unikernel.NET!");

        Span<char> buffer = stackalloc char[1200];
        var facts = new TextBuilder(buffer);
        facts.Append("facts: xen=");
        DomainFacts.AppendXenVersion(ref facts);
        facts.Append(" nr_pages=");
        facts.Append(DomainFacts.PageCount);
        facts.Append(" dom0=");
        facts.Append(DomainFacts.IsDom0 ? "yes" : "no");
        facts.Append(" cmdline=\"");
        ReadOnlySpan<byte> cmdline = DomainFacts.CommandLine;
        for (int i = 0; i < cmdline.Length; i++) facts.Append((char)cmdline[i]);
        facts.Append('"');
        Console.WriteLine(facts.Text);

        // Started by a toolstack (xl create), the domain also knows its id and name from xenstore.
        if (XenStore.IsAvailable)
        {
            Span<byte> name = stackalloc byte[64];
            long length = DomainFacts.ReadName(name);
            var domain = new TextBuilder(buffer);
            domain.Append("domain: id=");
            domain.Append(DomainFacts.DomainId);
            domain.Append(" name=");
            if (length < 0) domain.Append(XenStore.ErrorName(length));
            else for (int i = 0; i < length; i++) domain.Append((char)name[i]);
            Console.WriteLine(domain.Text);
        }
        return 0;
    }
}
