using System;
using System.Text;
using System.Text.RegularExpressions;

namespace Unikernel.XlEnvironment;

// What goes from the host into dom0's files: domain names (in the scenario script, in /scenario/NAME.cfg, in
// the console log's file name) and strings in an xl config. A name must be safe in all of those, so only
// names that need no quoting anywhere are accepted; a config string is quoted in xl's own syntax.
public static partial class XlConfig
{
    // xl takes an all-digit argument for a domain id and one starting with '-' for an option; xenstore and
    // file names want neither '/' nor spaces. Debian's domain names are short words: 1 to 64 of these.
    public const int MaxNameLength = 64;

    // A PV guest's command line is copied into start_info.cmd_line, MAX_GUEST_CMDLINE (1024) bytes with
    // its terminating zero; libxc cuts off what is longer without a word.
    public const int MaxCommandLineBytes = 1023;

    // Returns the name when it is a valid domain name for the xl environment; otherwise throws, saying why.
    public static string CheckDomainName(string name)
    {
        if (!DomainName().IsMatch(name))
            throw new ArgumentException($"domain name {Describe(name)} is not allowed: use 1 to {MaxNameLength} letters, digits, '_', '-' and '.', starting with a letter or digit");
        if (AllDigits().IsMatch(name))
            throw new ArgumentException($"domain name {Describe(name)} is not allowed: xl takes a name of digits only for a domain id");
        return name;
    }

    // A string value in xl's config syntax (libxlu: "..." with backslash escapes): quotes and backslashes are
    // escaped; control characters (a newline would end the line) and overlong command lines are refused.
    public static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in value)
        {
            if (char.IsControl(c)) throw new ArgumentException($"{Describe(value)} holds a control character (U+{(int)c:X4}), which an xl config string cannot carry here");
            if (c is '"' or '\\') quoted.Append('\\');
            quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }

    // The guest command line as extra = "..." (see Quote), refused when the guest would not get all of it.
    public static string Extra(string commandLine)
    {
        int bytes = Encoding.UTF8.GetByteCount(commandLine);
        if (bytes > MaxCommandLineBytes)
            throw new ArgumentException($"the guest command line is {bytes} bytes; a PV guest gets at most {MaxCommandLineBytes} (MAX_GUEST_CMDLINE)");
        return $"extra = {Quote(commandLine)}\n";
    }

    // The value of name = "..." or name = '...' in a config (the last one, as xl takes it), checked with
    // CheckDomainName; escapes are left as they are, so a name that has any is refused.
    public static string ReadDomainName(string config, string source)
    {
        var names = NameSetting().Matches(config);
        if (names.Count == 0) throw new ArgumentException($"{source} has no name = \"...\" line");
        return CheckDomainName(names[^1].Groups["name"].Value);
    }

    // The test network in dom0 (Dom0/init.sh): the bridge guests' vifs join and dom0's address on it;
    // guests take other link-local addresses in 169.254.0.0/16.
    public const string Bridge = "xenbr0";
    public const string Dom0Address = "169.254.0.1";
    public const int NetworkPrefixLength = 16;

    // One PV network interface on a dom0 bridge: vif = ['bridge=xenbr0'] or, with a fixed MAC (Xen's prefix is
    // 00:16:3e; without one libxl picks a random MAC), vif = ['bridge=xenbr0,mac=00:16:3e:00:00:02'].
    // Netback names the interface in dom0 vifDOMID.0. Bridge names are Linux interface names (1 to 15
    // letters, digits, '_', '-', '.', starting with a letter or digit); a MAC must be six hex pairs and unicast.
    public static string Vif(string bridge = Bridge, string? mac = null)
    {
        if (!InterfaceName().IsMatch(bridge))
            throw new ArgumentException($"bridge name {Describe(bridge)} is not allowed: use 1 to 15 letters, digits, '_', '-' and '.', starting with a letter or digit");
        string spec = "bridge=" + bridge;
        if (mac != null)
        {
            if (!MacAddress().IsMatch(mac))
                throw new ArgumentException($"MAC {Describe(mac)} is not allowed: write six hex pairs with ':' (00:16:3e:00:00:02)");
            if ((Convert.ToByte(mac[..2], 16) & 1) != 0)
                throw new ArgumentException($"MAC {mac} is a multicast address: a vif needs a unicast one (even first byte)");
            spec += ",mac=" + mac.ToLowerInvariant();
        }
        return $"vif = ['{spec}']\n";
    }

    private static string Describe(string text) =>
        "\"" + (text.Length > 80 ? text[..80] + "..." : text).Replace("\n", "\\n").Replace("\r", "\\r") + "\"";

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\z")]
    private static partial Regex DomainName();

    [GeneratedRegex(@"\A[0-9]+\z")]
    private static partial Regex AllDigits();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,14}\z")]
    private static partial Regex InterfaceName();

    [GeneratedRegex(@"\A[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\z")]
    private static partial Regex MacAddress();

    // xl's config strings: "..." or '...', with backslash escapes inside.
    [GeneratedRegex(@"^[ \t]*name[ \t]*=[ \t]*(?:""(?<name>(?:[^""\\\n]|\\.)*)""|'(?<name>(?:[^'\\\n]|\\.)*)')", RegexOptions.Multiline)]
    private static partial Regex NameSetting();
}
