using System;
using Unikernel.Core;
using Unikernel.Core.Text;
using Unikernel.Xen;

// Reads console lines and answers each one, until "quit". The boot test types the lines.
internal static class ConsoleEcho
{
    public static int Run()
    {
        XenConsole.WriteLine("echo ready");
        Span<byte> line = stackalloc byte[ConsoleInput.MaxLine];
        Span<char> buffer = stackalloc char[ConsoleInput.MaxLine + 64];
        while (true)
        {
            int n = ConsoleInput.ReadLine(line, out bool truncated);
            var text = new TextBuilder(buffer);
            text.Append("echo: ");
            for (int i = 0; i < n; i++) text.Append(line[i] >= 0x20 && line[i] < 0x7f ? (char)line[i] : '?');
            text.Append(" (");
            text.Append(n);
            text.Append(truncated ? " bytes, truncated)" : " bytes)");
            XenConsole.WriteLine(text.Text);
            if (KernelCommandLine.Equals(line.Slice(0, n), "quit")) return 0;
        }
    }
}
