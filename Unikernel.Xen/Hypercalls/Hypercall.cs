using System.Runtime;
using System.Runtime.CompilerServices;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // The raw hypercall gate. uk_hypercall (Unikernel.Boot/asm/start.S) moves the SysV arguments into
    // Xen's registers (the 4th goes in r10) and enters through the hypercall page. The MMU wrappers first
    // issue whatever Multicalls has queued, so a direct page-table call never overtakes a batched one.
    internal static unsafe class Hypercall
    {
        [RuntimeImport("uk_hypercall")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern long Invoke(HypercallNumber number, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0);

        public static long ConsoleIo(ulong command, ulong count, void* buffer) =>
            Invoke(HypercallNumber.ConsoleIo, command, count, (ulong)buffer);

        public static long XenVersion(ulong command, void* argument) =>
            Invoke(HypercallNumber.XenVersion, command, (ulong)argument);

        public static long SchedOp(ulong command, void* argument) =>
            Invoke(HypercallNumber.SchedOp, command, (ulong)argument);

        public static long EventChannelOp(ulong command, void* argument) =>
            Invoke(HypercallNumber.EventChannelOp, command, (ulong)argument);

        public static long GrantTableOp(ulong command, void* arguments, uint count) =>
            Invoke(HypercallNumber.GrantTableOp, command, (ulong)arguments, count);

        public static long MmuUpdate(MmuUpdate* requests, uint count, uint* done)
        {
            Multicalls.FlushBeforeDirect();
            return Invoke(HypercallNumber.MmuUpdate, (ulong)requests, count, (ulong)done, DomainId.Self);
        }

        public static long MmuextOp(MmuextOp* ops, uint count, uint* done)
        {
            Multicalls.FlushBeforeDirect();
            return Invoke(HypercallNumber.MmuextOp, (ulong)ops, count, (ulong)done, DomainId.Self);
        }

        public static long UpdateVaMapping(ulong virtualAddress, ulong pte, ulong flags)
        {
            Multicalls.FlushBeforeDirect();
            return Invoke(HypercallNumber.UpdateVaMapping, virtualAddress, pte, flags);
        }
    }
}
