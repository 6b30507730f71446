using System;
using System.CommandLine;
using System.IO;
using Unikernel.Tools.Ukboot.Run;
using Unikernel.XlEnvironment;

// ukxl: the xl test environment (a Linux dom0 with Xen's toolstack under Xen in QEMU): fetch its packages, or
// boot an image as a domU with `xl create`.
var cacheOption = new Option<string>("--cache") { Description = "Download cache folder", DefaultValueFactory = _ => XenDistribution.DefaultCacheDir };
var fetch = new Command("fetch", "Download the dom0 for xl runs into the cache and build its initramfs (once)") { cacheOption };
fetch.SetAction(result =>
{
    try
    {
        var dom0 = Dom0Environment.Ensure(result.GetValue(cacheOption)!, Console.Out);
        Console.WriteLine($"ukxl: dom0 for xl runs at {dom0.Kernel}, {dom0.BaseInitramfs}");
        return 0;
    }
    catch (Exception e) when (e is InvalidOperationException or IOException)
    {
        Console.Error.WriteLine($"ukxl: error: {e.Message}");
        return 2;
    }
});

var root = new RootCommand("Unikernel.NET xl test environment") { fetch, XlCommand.Create() };
return root.Parse(args).Invoke();
