using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Unikernel.Core.Paravirt;
using Unikernel.Core.Text;
using Unikernel.Xen.Abi;

namespace Unikernel.Xen
{
    // CPU exceptions. The trap table (built in Unikernel.Boot/asm/traps.S) is handed to Xen at boot; a fault
    // lands in Report, which names it, dumps the registers and a frame-pointer backtrace, and crashes the
    // domain. The host runner (ukboot) adds function names to the backtrace from the unstripped image.
    internal static unsafe class Traps
    {
        internal static void Install()
        {
            Panic.Check(Hypercall.Invoke(HypercallNumber.SetTrapTable, (ulong)TrapTableAddress()), "set_trap_table");
        }

        public static ReadOnlySpan<char> Name(ulong vector) => vector switch
        {
            0 => "divide error",
            1 => "debug exception",
            3 => "breakpoint",
            4 => "overflow",
            5 => "bound range exceeded",
            6 => "invalid opcode",
            7 => "device not available",
            10 => "invalid TSS",
            11 => "segment not present",
            12 => "stack-segment fault",
            13 => "general protection fault",
            14 => "page fault",
            16 => "x87 floating-point error",
            17 => "alignment check",
            19 => "SIMD floating-point exception",
            _ => "unknown exception",
        };

        [UnmanagedCallersOnly(EntryPoint = "uk_trap")]
        private static void Report(TrapFrame* frame)
        {
            var text = new TextBuilder(stackalloc char[256]);
            text.Append($"\npanic: {Name(frame->Vector)} at rip=0x{frame->Rip:x} error=0x{frame->ErrorCode:x}");
            if (frame->Vector == 14)
            {
                ulong address = Paravirt.Ops.ReadCr2(), error = frame->ErrorCode;
                text.Append($" address=0x{address:x} ({Access(error)}, {Presence(error)}){Cause(address)}");
            }
            XenConsole.WriteLine(text.Text);

            DumpRegisters(frame);
            Backtrace(frame);
            Domain.Crash();
        }

        // Page-fault error code: bit 0 protection (else not present), bit 1 write, bit 4 instruction fetch.
        private static string Access(ulong error) => (error & 16) != 0 ? "execute" : (error & 2) != 0 ? "write" : "read";
        private static string Presence(ulong error) => (error & 1) != 0 ? "protection" : "not present";

        private static string Cause(ulong address)
        {
            if (address < AddressTranslation.PageSize) return ": null dereference";
            return address >= (ulong)StackGuard() && address < (ulong)StackBottom() ? ": stack overflow" : "";
        }

        private static void DumpRegisters(TrapFrame* f)
        {
            Register("rax", f->Rax); Register("rbx", f->Rbx); Register("rcx", f->Rcx); Register("rdx", f->Rdx); Line();
            Register("rsi", f->Rsi); Register("rdi", f->Rdi); Register("rbp", f->Rbp); Register("rsp", f->Rsp); Line();
            Register("r8", f->R8); Register("r9", f->R9); Register("r10", f->R10); Register("r11", f->R11); Line();
            Register("r12", f->R12); Register("r13", f->R13); Register("r14", f->R14); Register("r15", f->R15); Line();
            Register("rip", f->Rip); Register("rflags", f->Rflags); Register("cs", f->Cs & 0xffff); // bits 32+ of the slot carry Xen's saved upcall mask
             Register("ss", f->Ss); Line();
        }

        private static void Register(ReadOnlySpan<char> name, ulong value)
        {
            var text = new TextBuilder(stackalloc char[32]);
            text.Append($" {name}=0x{value:x16}");
            XenConsole.Write(text.Text);
        }

        private static void Line() => XenConsole.Write("\n");

        // Follows saved frame pointers while they stay inside our stack and move upwards.
        private static void Backtrace(TrapFrame* frame)
        {
            XenConsole.WriteLine("backtrace:");
            Frame(0, frame->Rip);
            ulong low = (ulong)StackBottom(), high = (ulong)StackTop();
            ulong rbp = frame->Rbp;
            for (int depth = 1; depth < 32 && rbp >= low && rbp + 16 <= high && (rbp & 7) == 0; depth++)
            {
                ulong returnAddress = ((ulong*)rbp)[1];
                if (returnAddress == 0) break;
                Frame(depth, returnAddress);
                ulong next = ((ulong*)rbp)[0];
                if (next <= rbp) break;
                rbp = next;
            }
        }

        private static void Frame(int depth, ulong address)
        {
            var text = new TextBuilder(stackalloc char[200]);
            text.Append($"  #{depth} 0x{address:x}");
            GuestSymbols.AppendName(ref text, address);
            XenConsole.WriteLine(text.Text);
        }

        [RuntimeImport("uk_trap_table_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern TrapInfo* TrapTableAddress();

        [RuntimeImport("uk_stack_guard_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void* StackGuard();

        // The guard region is [StackGuard, StackBottom).
        [RuntimeImport("uk_stack_bottom_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void* StackBottom();

        [RuntimeImport("uk_stack_top_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* StackTop();
    }
}
