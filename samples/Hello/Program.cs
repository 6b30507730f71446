using System;
using Unikernel.Core.Text;
using Unikernel.Xen;

// The smallest useful appliance: greet, then report what this domain learned about itself.
public static class Program
{
    public static int Main()
    {
        XenConsole.WriteLine("Hello from Unikernel.NET!");

        Span<char> buffer = stackalloc char[1200];
        var facts = new TextBuilder(buffer);
        facts.Append("facts: xen=");
        XenVersion.Format(ref facts);
        facts.Append(" nr_pages=");
        facts.Append(Domain.PageCount);
        facts.Append(" dom0=");
        facts.Append(Domain.IsInitialDomain ? "yes" : "no");
        facts.Append(" cmdline=\"");
        ReadOnlySpan<byte> cmdline = Domain.CommandLine;
        for (int i = 0; i < cmdline.Length; i++) facts.Append((char)cmdline[i]);
        facts.Append('"');
        XenConsole.WriteLine(facts.Text);
        return 0;
    }
}
