// What every platform's image needs and managed code cannot be: the runtime helpers ilc calls, the boot
// stack with its guard page, and the addresses of what the linker places. The platform brings _start (the
// ELF entry), which switches to uk_stack_top and ends up calling the application's uk_app_main.
// Assembled with llvm-mc (AT&T syntax, no preprocessor).

        .text
// Managed code asks for linker-placed addresses through these tiny functions (RuntimeImport binds calls,
// not data).
        .macro address_of name, symbol
        .globl \name
\name:
        leaq \symbol(%rip), %rax
        ret
        .endm

        address_of uk_heap_limit, __uk_heap_limit           // UnikernelHeapSize: the most `new` may take
        address_of uk_modules_start, __start___modules      // ilc's module headers (lld defines __start_/__stop_)
        address_of uk_modules_end, __stop___modules
        address_of uk_stack_guard_address, uk_stack_guard
        address_of uk_stack_bottom_address, uk_stack_bottom
        address_of uk_stack_top_address, uk_stack_top
        address_of uk_symbol_table_address, uk_symbol_table
        address_of uk_image_start_address, __uk_image_start     // the image's parts, page-aligned
        address_of uk_rodata_start_address, __uk_rodata_start
        address_of uk_data_start_address, __uk_data_start
        address_of uk_image_end_address, __uk_image_end
        address_of uk_security_cookie_address, __security_cookie // set per boot by the platform
        address_of uk_readonly_literals_address, uk_readonly_literals

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

// Memmove's forward copy of large blocks (rdi = destination, rsi = source, rdx = bytes) with the CPU's
// string moves, as Linux's and glibc's memcpy: eight bytes a step, then the tail. The System V ABI has the
// direction flag clear at every call; cld keeps a stray std from copying backwards.
        .globl uk_copy_forward
uk_copy_forward:
        cld
        movq %rdx, %rcx
        shrq $3, %rcx
        rep movsq
        movq %rdx, %rcx
        andq $7, %rcx
        rep movsb
        ret

        .data
        .balign 8
        .globl RhpTrapThreads
RhpTrapThreads:
        .long 0
        .balign 8
        // ilc's stack-buffer cookie. A placeholder: the platform replaces it with a random value before any
        // function that checks it can return.
        .globl __security_cookie
__security_cookie:
        .quad 0x2b992ddfa232d00d

// The page range [start, end) of .data that holds only string literals, written into the linked image by
// `ukboot literals`; the platform maps it read-only. 0, 0: none.
        .section .rodata.uk_literals, "a", @progbits
        .balign 8
        .globl uk_readonly_literals
uk_readonly_literals:
        .quad 0, 0

// The guest's function-name table is empty until the build's second link brings the real one
// (`ukboot symbols`); a weak definition gives way to it.
        .section .rodata.uk_symbols, "a", @progbits
        .balign 8
        .weak uk_symbol_table
uk_symbol_table:
        .long 0, 0

// The boot stack, with a guard region below it that the platform unmaps at entry: four pages, more than
// the deepest trap-handler chain takes, so code that runs off the stack (a handler entered with little
// stack left included) faults there instead of reaching whatever lies below.
        .section .bss_pages.stack, "aw", @nobits   // page-aligned by link.ld
        .globl uk_stack_guard
uk_stack_guard:
        .skip 16384
        .globl uk_stack_bottom
uk_stack_bottom:
        .skip 65536
        .globl uk_stack_top
uk_stack_top:
