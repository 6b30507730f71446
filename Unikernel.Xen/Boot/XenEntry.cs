using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Internal.Runtime;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The platform's half of boot: _start (Boot/entry.S) switches to the boot stack and calls here with
    // start_info. We bring up the console first so every later failure can be reported, then run the
    // application's Main (uk_app_main, generated into the application by Unikernel.Boot's targets) and turn
    // its result into a shutdown.
    internal static unsafe class XenEntry
    {
        [RuntimeImport("uk_app_main")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern int ApplicationMain();

        [UnmanagedCallersOnly(EntryPoint = "uk_boot_entry")]
        private static void Entry(void* startInfo) => Boot(startInfo);

        private static void Boot(void* startInfoAddress)
        {
            BootTimeline.Mark(BootTimeline.Entry);
            var startInfo = (StartInfo*)startInfoAddress;
            Domain.Initialize(startInfo);
            P2m.UseStartOfDayList(startInfo);
            XenConsole.Initialize(startInfo);
            Fatal.Install(&XenConsole.WriteFatal, &Domain.Crash);

            if (!HasMagic(startInfo)) Fatal.Fail("start_info magic is not xen-3.0-x86_64");
            BootTimeline.Mark(BootTimeline.Console);
            Startup.InitializeStatics();
            BootTimeline.Mark(BootTimeline.Statics);
            SharedInfoPage.Map(startInfo);
            StackCookie.Randomize(startInfo);
            Multicalls.Initialize();
            XenParavirt.Install(startInfo);
            Traps.Install();
            Callbacks.Install();
            EventChannels.Initialize();
            VcpuTimer.Initialize();
            BootTimeline.Mark(BootTimeline.Events);
            ConsoleInput.Initialize(startInfo);
            XenStoreService.Initialize(startInfo);
            BootTimeline.Mark(BootTimeline.XenStore);

            // Page 0 and the page below the stack must fault: null dereference and stack overflow.
            LinearMap.Unmap(0, "update_va_mapping(page 0)");
            for (ulong page = (ulong)Traps.StackGuard(); page < (ulong)Traps.StackBottom(); page += AddressTranslation.PageSize)
                LinearMap.Unmap(page, "update_va_mapping(stack guard)");
            MemorySetup.Run(startInfo);
            Heap.UsePages(&HeapPages); // `new` takes pages on demand from here on
            BootTimeline.Mark(BootTimeline.Memory);

            // Xen starts us with events masked; from here on upcalls may arrive.
            Core.Paravirt.Paravirt.Ops.IrqEnable();
            ShutdownControl.Initialize();
            XenbusDevices.Announce();
            BootTimeline.Mark(BootTimeline.Main);
            BootTimeline.PrintIfAsked();
            int code = ApplicationMain();
            if (code != 0)
            {
                var text = new TextBuilder(stackalloc char[48]);
                text.Append($"Main returned {code}");
                Fatal.Fail(text.Text);
            }
            ShutdownControl.Shutdown(ShutdownReason.PowerOff); // a clean end: the application's hooks run
        }

        private static void* HeapPages(nuint count) => FramePool.AllocatePages(count);

        private static bool HasMagic(StartInfo* startInfo)
        {
            ReadOnlySpan<char> expected = "xen-3.0-x86_64";
            for (int i = 0; i < expected.Length; i++)
                if (startInfo->Magic[i] != expected[i]) return false;
            return true;
        }
    }
}
