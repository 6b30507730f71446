using System.Text;
using Unikernel.XlEnvironment;

namespace Unikernel.Tests.Xen;

// What the xl tests ask of a finished scenario run, in one place.
public static class XlAsserts
{
    // The step ran and exited 0; returns what it printed. A failure shows the step and the whole run.
    public static string AssertStepOk(this XlResult run, string name)
    {
        var step = run.Step(name);
        Assert.True(step.ExitCode == 0, $"step {name} exited with {step.ExitCode}:\n{step.Output}\n{run.Describe()}");
        return step.Output;
    }

    // A file dom0 left in /var/log/xen, as text.
    public static string Text(this XlResult run, string file) => Encoding.UTF8.GetString(run.File(file));

    // A scenario run with the repository's cache whose serial log is kept in artifacts/ for a look after a
    // failure.
    public static XlScenario Scenario(string script, int timeoutSeconds, string logName, int dom0MemoryMiB = 256, int qemuMemoryMiB = 512, bool libvirt = false) => new()
    {
        Script = script, CacheDir = Repo.Cache, Timeout = System.TimeSpan.FromSeconds(timeoutSeconds),
        SerialLog = System.IO.Path.Combine(Repo.Root, "artifacts", logName),
        Dom0MemoryMiB = dom0MemoryMiB, QemuMemoryMiB = qemuMemoryMiB, Libvirt = libvirt,
    };

    // The Appliance sample as shipped, with its own xl config.
    public static XlGuest ApplianceGuest() => new("appliance", Repo.Image("appliance"),
        System.IO.File.ReadAllText(System.IO.Path.Combine(Repo.Root, "samples", "Appliance", "appliance.cfg")));

    // An xl config for the probe guest in the given mode.
    public static string ProbeConfig(string name, string extra, int memory = 32, int maxmem = 32, string onCrash = "preserve") => $"""
        name = "{name}"
        type = "pv"
        kernel = "/scenario/probe.elf"
        extra = "{extra}"
        memory = {memory}
        maxmem = {maxmem}
        on_poweroff = "destroy"
        on_reboot = "restart"
        on_crash = "{onCrash}"
        """;
}
