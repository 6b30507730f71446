// The Xen PV entry (the ELF entry point the Xen notes name), the hypercall page and gate, and the pages the
// platform trades or borrows. Assembled with llvm-mc (AT&T syntax, no preprocessor).

// xen.h: __HYPERVISOR_sched_op = 29; sched.h: SCHEDOP_shutdown = 2, SHUTDOWN_crash = 3.

        // Xen writes 128 32-byte call stubs here while building the domain, so the page needs no file bytes:
        // link.ld puts .text_nobits page-aligned at the end of the text segment (ukboot check verifies it;
        // a .balign here would page-align the segment in the file too, costing padding).
        .section .text_nobits, "ax", @nobits
        .globl hypercall_page
hypercall_page:
        .skip 4096

        .section .text.boot, "ax", @progbits
        .globl _start
_start:
        // Xen: rsi = start_info, rsp = top of a one-page bootstrap stack. Move to the image's boot stack
        // (Unikernel.Boot/asm/runtime.S) and enter the platform (XenEntry.cs), which runs uk_app_main.
        leaq uk_stack_top(%rip), %rsp
        xorl %ebp, %ebp
        movq %rsi, %rdi
        call uk_boot_entry
        // The platform entry never returns; if it does, crash rather than run off the end.
        jmp uk_early_crash

// long uk_hypercall(nr, a1, a2, a3, a4, a5): the SysV order is rdi, rsi, rdx, rcx, r8, r9 but a hypercall
// takes rdi, rsi, rdx, r10, r8 (the syscall instruction clobbers rcx), so shift every argument by one.
        .text
        .globl uk_hypercall
uk_hypercall:
        movq %rdi, %rax
        movq %rsi, %rdi
        movq %rdx, %rsi
        movq %rcx, %rdx
        movq %r8, %r10
        movq %r9, %r8
        shlq $5, %rax
        leaq hypercall_page(%rip), %r11
        addq %r11, %rax
        jmpq *%rax                  // the stub's ret returns to our caller

// Crash the domain with no help from managed code: used before the platform installs its handlers.
        .globl uk_early_crash
uk_early_crash:
        andq $-16, %rsp
        subq $16, %rsp
        movl $3, (%rsp)             // struct sched_shutdown { reason = SHUTDOWN_crash }
        movl $2, %edi               // SCHEDOP_shutdown
        movq %rsp, %rsi
        call hypercall_page + 29 * 32
        ud2                         // a fault with no trap table also kills the domain

        .globl uk_shared_info_page
uk_shared_info_page:
        leaq shared_info_page(%rip), %rax
        ret
        .globl uk_scratch_page_address
uk_scratch_page_address:
        leaq scratch_page(%rip), %rax
        ret

// A page whose frame the platform trades for the shared_info mapping.
        .section .bss_pages.shared_info, "aw", @nobits   // page-aligned by link.ld
shared_info_page:
        .skip 4096

// A page whose mapping memory setup points at page-table pages while it fills them.
        .section .bss_pages.scratch, "aw", @nobits
scratch_page:
        .skip 4096
