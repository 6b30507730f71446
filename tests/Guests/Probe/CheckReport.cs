using Unikernel.Xen;

// One line per in-guest check, "check <name>: ok|FAIL", which the boot tests parse.
internal static class CheckReport
{
    public static int Check(string name, bool ok)
    {
        XenConsole.Write("check ");
        XenConsole.Write(name);
        XenConsole.WriteLine(ok ? ": ok" : ": FAIL");
        return ok ? 0 : 1;
    }
}
