using System;
using System.IO;
using System.Linq;
using Unikernel.Tools.Ukboot.Run;

namespace Unikernel.XlEnvironment;

// Runs an xl scenario: Xen in QEMU with Debian's Linux as dom0 (Dom0Environment), whose /init starts the
// toolstack and runs the scenario's script, so guests boot the way users boot them, with `xl create`.
// The cached base initramfs is reused as is; a run only appends a small cpio with its guests and script.
public static class XlSession
{
    // hvc0 is Xen's console (console_io), which Xen puts on its serial line beside its own messages.
    // panic=-1 turns a dom0 panic into an immediate reboot, which XenBoot reports, instead of a hang.
    public const string KernelCommandLine = "console=hvc0 earlyprintk=xen loglevel=4 panic=-1";

    public static XlResult Run(XlScenario scenario, TextWriter? echo = null)
    {
        Check(scenario);
        var progress = scenario.Progress ?? echo ?? TextWriter.Null;
        var dom0 = Dom0Environment.Ensure(scenario.CacheDir, progress);
        string? libvirt = scenario.Libvirt ? LibvirtLayer.Ensure(dom0, progress) : null;
        string work = Path.Combine(Path.GetTempPath(), "ukxl-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(work);
        try
        {
            string initrd = Path.Combine(work, "initrd.cpio");
            using (var output = File.Create(initrd))
            {
                using (var input = File.OpenRead(dom0.BaseInitramfs)) input.CopyTo(output);
                if (libvirt != null) using (var input = File.OpenRead(libvirt)) input.CopyTo(output);
                using var cpio = new CpioArchive(output, inodeBase: 1_000_000);
                WriteRunArchive(cpio, scenario);
            }
            var boot = XenBoot.Run(new BootOptions
            {
                Image = dom0.Kernel,
                CommandLine = KernelCommandLine,
                Initrd = initrd,
                MemoryMiB = scenario.QemuMemoryMiB,
                XenOptions = $"dom0_mem={scenario.Dom0MemoryMiB}M,max:{scenario.Dom0MemoryMiB}M",
                Timeout = scenario.Timeout,
                CacheDir = scenario.CacheDir,
                SerialLog = scenario.SerialLog,
                // Real time unless the scenario asks for virtual time (a Linux dom0 needs a small shift).
                Icount = scenario.IcountShift != null,
                IcountShift = scenario.IcountShift ?? 7,
                // RDRAND seeds the kernel's RNG at boot (CONFIG_RANDOM_TRUST_CPU). Without it the RNG stays
                // uninitialized and libuuid, which xl calls, sleeps about 1 s per UUID: 3 s per xl create.
                // libvirt's libxl driver names the host CPU after a model of its CPU map and does not start when
                // none fits. qemu64 is an AMD CPU, on which Xen hides SEP (no SYSENTER in long mode), and every
                // model but the 486 (which needs VME, absent) has SEP; as an Intel CPU, qemu64 keeps it.
                CpuModel = scenario.Libvirt ? "qemu64,+rdrand,vendor=GenuineIntel" : "qemu64,+rdrand",
                Input = scenario.Input,
                InputAfter = scenario.InputAfter ?? XenBoot.InputToDom0,
                EchoFilter = scenario.EchoFilter,
                EchoPartialLines = scenario.EchoFilter != null,
                Cancel = scenario.Cancel,
                Progress = scenario.Progress,
                ProgressTool = "ukxl",
            }, echo);
            return new XlResult(boot);
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    // Before anything is built or booted: every guest has a valid, unique name and an image.
    private static void Check(XlScenario scenario)
    {
        foreach (var guest in scenario.Guests)
        {
            // The name becomes a file name here and in dom0's logs, and scripts use it unquoted.
            XlConfig.CheckDomainName(guest.Name);
            if (!File.Exists(guest.Image)) throw new FileNotFoundException($"guest image not found: {guest.Image}");
        }
        // The layer's 56 MiB are unpacked in dom0 too: with 256 MiB (QEMU 512) dom0 did not reach /init in 120 s.
        if (scenario.Libvirt && (scenario.Dom0MemoryMiB < 384 || scenario.QemuMemoryMiB < 768))
            throw new ArgumentException("a libvirt scenario needs Dom0MemoryMiB >= 384 and QemuMemoryMiB >= 768");
        var names = scenario.Guests.GroupBy(g => g.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (names.Length > 0) throw new ArgumentException($"two guests share the name {names[0]}");
    }

    private static void WriteRunArchive(CpioArchive cpio, XlScenario scenario)
    {
        foreach (var guest in scenario.Guests)
        {
            cpio.AddFile($"scenario/{Path.GetFileName(guest.Image)}", File.ReadAllBytes(guest.Image), 0x1ED);
            cpio.AddFile($"scenario/{guest.Name}.cfg", guest.Config);
        }
        foreach (var file in scenario.Files)
        {
            XlConfig.CheckDomainName(file.Name); // a plain file name, like a guest's
            cpio.AddFile($"scenario/{file.Name}", File.ReadAllBytes(file.Path), 0x1A4);
        }
        cpio.AddFile("scenario/scenario.sh", scenario.Script.Replace("\r\n", "\n"), 0x1ED);
    }
}
