// Entry from Xen: CPU exceptions and the event/failsafe callbacks.
// Exception entry for a 64-bit PV guest. Xen bounces a fault to the handler registered with set_trap_table
// with this on the current stack (xen/arch/x86/x86_64/entry.S create_bounce_frame):
//     rcx, r11, [error code], rip, cs, rflags, rsp, ss
// Each stub restores rcx and r11, makes the frame uniform (vector, error code) and saves every register,
// then calls uk_trap(frame) in managed code, which reports and never returns.

// Every general-purpose register, in the order TrapFrame (Unikernel.Xen/Cpu/TrapFrame.cs) reads them.
        .macro save_registers
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        .endm

        .macro restore_registers
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        .endm

        .macro trap_entry name, vector, has_error
        // struct trap_info (arch-x86/xen.h): vector, flags (4: mask events on entry, DPL 0), cs, address.
        .pushsection .rodata.trap_table, "a", @progbits
        .byte \vector, 4
        .short 0xe033               // FLAT_KERNEL_CS64
        .long 0
        .quad \name
        .popsection
        .globl \name
\name:
        movq (%rsp), %rcx
        movq 8(%rsp), %r11
        addq $16, %rsp
        .if \has_error == 0
        pushq $0                    // error code
        .endif
        pushq $\vector
        jmp uk_trap_common
        .endm

        .section .rodata.trap_table, "a", @progbits
        .balign 16
        .globl uk_trap_table
uk_trap_table:

        .text
        trap_entry uk_trap_divide_error,        0, 0
        trap_entry uk_trap_debug,               1, 0
        trap_entry uk_trap_int3,                3, 0
        trap_entry uk_trap_overflow,            4, 0
        trap_entry uk_trap_bounds,              5, 0
        trap_entry uk_trap_invalid_op,          6, 0
        trap_entry uk_trap_device_not_available, 7, 0
        trap_entry uk_trap_invalid_tss,         10, 1
        trap_entry uk_trap_segment_not_present, 11, 1
        trap_entry uk_trap_stack_segment,       12, 1
        trap_entry uk_trap_general_protection,  13, 1
        trap_entry uk_trap_page_fault,          14, 1
        trap_entry uk_trap_coprocessor_error,   16, 0
        trap_entry uk_trap_alignment_check,     17, 1
        trap_entry uk_trap_simd_error,          19, 0

        .section .rodata.trap_table, "a", @progbits
        .quad 0, 0                  // the zero entry that ends the table (after every entry above)

        .text
        .globl uk_trap_table_address
uk_trap_table_address:
        leaq uk_trap_table(%rip), %rax
        ret

uk_trap_common:
        save_registers
        movq %rsp, %rdi             // struct TrapFrame *
        andq $-16, %rsp
        call uk_trap
        ud2

// Event and failsafe callbacks, registered with callback_op. Xen bounces an event upcall to
// uk_event_callback with events masked (CALLBACKF_mask_events) and, on the current stack:
//     rcx, r11, rip, cs, rflags, rsp, ss
// We save every register the interrupted code may hold (GPRs and the SSE state: managed code uses xmm
// freely), call uk_event_upcall in managed code, restore, and return through the iret hypercall, which
// also restores the event mask from the saved rflags.IF (xen/arch/x86/x86_64/entry.S, do_iret).

        .text
        .globl uk_event_callback
uk_event_callback:
        movq (%rsp), %rcx
        movq 8(%rsp), %r11
        addq $16, %rsp              // rsp -> rip, cs, rflags, rsp, ss
        save_registers
        movq %rsp, %rbx             // callee-saved: where the GPRs are
        subq $512, %rsp
        andq $-16, %rsp             // fxsave needs a 16-byte aligned area
        fxsave64 (%rsp)
        call uk_event_upcall
        fxrstor64 (%rsp)
        movq %rbx, %rsp
        restore_registers
        // HYPERVISOR_iret is jumped to, not called: its stub pushes rcx, r11 and rax over our
        // flags word (VGCF_in_syscall clear) and the hardware frame: struct iret_context.
        pushq $0
        jmp hypercall_page + 23 * 32    // __HYPERVISOR_iret, xen.h

// Xen calls the failsafe callback when it cannot load the guest's segment registers on the way back.
// Frame (x86_64): rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss. Nothing to repair in a guest that
// never loads segments: report and crash.
        .globl uk_failsafe_callback
uk_failsafe_callback:
        movq %rsp, %rdi
        andq $-16, %rsp
        call uk_failsafe
        ud2

        .globl uk_event_callback_address
uk_event_callback_address:
        leaq uk_event_callback(%rip), %rax
        ret

        .globl uk_failsafe_callback_address
uk_failsafe_callback_address:
        leaq uk_failsafe_callback(%rip), %rax
        ret
