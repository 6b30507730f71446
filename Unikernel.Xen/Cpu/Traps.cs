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
            Span<char> buffer = stackalloc char[256];
            var text = new TextBuilder(buffer);
            text.Append("\npanic: ");
            text.Append(Name(frame->Vector));
            text.Append(" at rip=");
            text.AppendHex(frame->Rip);
            text.Append(" error=");
            text.AppendHex(frame->ErrorCode);
            if (frame->Vector == 14) DescribePageFault(ref text, frame->ErrorCode, Paravirt.Ops.ReadCr2());
            XenConsole.WriteLine(text.Text);

            DumpRegisters(frame);
            Backtrace(frame);
            Domain.Crash();
        }

        private static void DescribePageFault(ref TextBuilder text, ulong error, ulong address)
        {
            // Page-fault error code: bit 0 protection (else not present), bit 1 write, bit 4 instruction fetch.
            text.Append(" address=");
            text.AppendHex(address);
            text.Append((error & 16) != 0 ? " (execute, " : (error & 2) != 0 ? " (write, " : " (read, ");
            text.Append((error & 1) != 0 ? "protection)" : "not present)");
            ulong guard = (ulong)StackGuard();
            if (address < AddressTranslation.PageSize) text.Append(": null dereference");
            else if (address >= guard && address < guard + AddressTranslation.PageSize) text.Append(": stack overflow");
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
            Span<char> buffer = stackalloc char[32];
            var text = new TextBuilder(buffer);
            text.Append(' ');
            text.Append(name);
            text.Append('=');
            text.AppendHex(value, 16);
            XenConsole.Write(text.Text);
        }

        private static void Line() => XenConsole.Write("\n");

        // Follows saved frame pointers while they stay inside our stack and move upwards.
        private static void Backtrace(TrapFrame* frame)
        {
            XenConsole.WriteLine("backtrace:");
            Frame(0, frame->Rip);
            ulong low = (ulong)StackGuard() + AddressTranslation.PageSize, high = (ulong)StackTop();
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
            Span<char> buffer = stackalloc char[200];
            var text = new TextBuilder(buffer);
            text.Append("  #");
            text.Append(depth);
            text.Append(' ');
            text.AppendHex(address);
            GuestSymbols.AppendName(ref text, address);
            XenConsole.WriteLine(text.Text);
        }

        [RuntimeImport("uk_trap_table_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern TrapInfo* TrapTableAddress();

        [RuntimeImport("uk_stack_guard_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void* StackGuard();

        [RuntimeImport("uk_stack_top_address")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void* StackTop();
    }
}
