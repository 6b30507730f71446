// Exception entry for a 64-bit PV guest. Xen bounces a fault to the handler registered with set_trap_table
// with this on the current stack (xen/arch/x86/x86_64/entry.S create_bounce_frame):
//     rcx, r11, [error code], rip, cs, rflags, rsp, ss
// Each stub restores rcx and r11, makes the frame uniform (vector, error code) and saves every register,
// then calls uk_trap(frame) in managed code, which reports and never returns.

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

        .section .rodata.trap_table_end, "a", @progbits
        .quad 0, 0                  // the zero entry that ends the table

        .text
        .globl uk_trap_table_address
uk_trap_table_address:
        leaq uk_trap_table(%rip), %rax
        ret

uk_trap_common:
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
        movq %rsp, %rdi             // struct TrapFrame *
        andq $-16, %rsp
        call uk_trap
        ud2
