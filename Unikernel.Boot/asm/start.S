// Entry, stack, hypercall page and the few runtime helpers that must not be managed code.
// Assembled with llvm-mc (AT&T syntax, no preprocessor).

// xen.h: __HYPERVISOR_sched_op = 29; sched.h: SCHEDOP_shutdown = 2, SHUTDOWN_crash = 3.

        .section .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl hypercall_page
hypercall_page:                     // Xen writes 128 32-byte call stubs here while building the domain
        .fill 4096, 1, 0xcc

        .section .text.boot, "ax", @progbits
        .globl _start
_start:
        // Xen: rsi = start_info, rsp = top of a one-page bootstrap stack. Move to our own stack.
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

// Managed code asks for linker-placed addresses through these tiny functions (RuntimeImport binds calls,
// not data).
        .macro address_of name, symbol
        .globl \name
\name:
        leaq \symbol(%rip), %rax
        ret
        .endm

        address_of uk_heap_start, __uk_heap_start           // the bump heap the linker script reserves
        address_of uk_heap_end, __uk_heap_end
        address_of uk_modules_start, __start___modules      // ilc's module headers (lld defines __start_/__stop_)
        address_of uk_modules_end, __stop___modules
        address_of uk_stack_guard_address, uk_stack_guard
        address_of uk_stack_top_address, uk_stack_top
        address_of uk_shared_info_page, shared_info_page
        address_of uk_scratch_page_address, scratch_page
        address_of uk_symbol_table_address, uk_symbol_table
        address_of uk_image_start_address, __uk_image_start     // the image's parts, page-aligned
        address_of uk_rodata_start_address, __uk_rodata_start
        address_of uk_data_start_address, __uk_data_start
        address_of uk_image_end_address, __uk_image_end

// Runtime helpers ilc calls. No GC and one thread: transitions and polls are no-ops,
// and a reference store is a plain store.
        .globl RhpReversePInvoke
RhpReversePInvoke:
        ret
        .globl RhpReversePInvokeReturn
RhpReversePInvokeReturn:
        ret
        .globl RhpPInvoke
RhpPInvoke:
        ret
        .globl RhpPInvokeReturn
RhpPInvokeReturn:
        ret
        .globl RhpGcPoll
RhpGcPoll:
        ret
        .globl RhpAssignRef
RhpAssignRef:
        movq %rsi, (%rdi)
        ret
        .globl RhpCheckedAssignRef
RhpCheckedAssignRef:
        movq %rsi, (%rdi)
        ret
        // rdi = destination, rsi = source; both advance by 8; rcx is scratch by contract.
        .globl RhpByRefAssignRef
RhpByRefAssignRef:
        movq (%rsi), %rcx
        movq %rcx, (%rdi)
        addq $8, %rdi
        addq $8, %rsi
        ret

// Frames larger than a few pages call this from their prolog (NativeAOT's contract): touch one word per
// page from just below rsp down to r11, the frame's lowest address, so a run into the guard page faults
// in order instead of skipping over it. r11 is preserved.
        .globl RhpStackProbe
RhpStackProbe:
        pushq %rbp
        movq %rsp, %rbp
        andq $-4096, %rsp
1:      subq $4096, %rsp
        testl %eax, (%rsp)
        cmpq %r11, %rsp
        jg 1b
        movq %rbp, %rsp
        popq %rbp
        ret

        .data
        .balign 8
        .globl RhpTrapThreads
RhpTrapThreads:
        .long 0
        .balign 8
        .globl __security_cookie
__security_cookie:
        .quad 0x2b992ddfa232d00d

// A page whose frame the platform trades for the shared_info mapping.
        .section .bss.shared_info, "aw", @nobits
        .balign 4096
shared_info_page:
        .skip 4096

// The guest's function-name table is empty until the build's second link brings the real one
// (`ukboot symbols`); a weak definition gives way to it.
        .section .rodata.uk_symbols, "a", @progbits
        .balign 8
        .weak uk_symbol_table
uk_symbol_table:
        .long 0, 0

// A page whose mapping memory setup points at page-table pages while it fills them.
        .section .bss.scratch, "aw", @nobits
        .balign 4096
scratch_page:
        .skip 4096

// The boot stack, with a guard page below it that the platform unmaps at entry.
        .section .bss.stack, "aw", @nobits
        .balign 4096
        .globl uk_stack_guard
uk_stack_guard:
        .skip 4096
        .globl uk_stack_bottom
uk_stack_bottom:
        .skip 65536
        .globl uk_stack_top
uk_stack_top:
