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
        movq %rsp, %rbx             // callee-saved: where the GPRs are
        subq $512, %rsp
        andq $-16, %rsp             // fxsave needs a 16-byte aligned area
        fxsave64 (%rsp)
        call uk_event_upcall
        fxrstor64 (%rsp)
        movq %rbx, %rsp
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

// ulong uk_rdtsc(void)
        .globl uk_rdtsc
uk_rdtsc:
        rdtsc
        shlq $32, %rdx
        orq %rdx, %rax
        ret

// void uk_xen_cpuid(uint leaf, uint subleaf, uint *regs4): CPUID as Xen shows it to this guest. A PV guest's
// plain cpuid reaches the CPU unfiltered; the forced-emulation prefix (ud2; .ascii "xen") makes Xen
// emulate it with the domain's policy (xen/include/public/arch-x86/xen.h, XEN_EMULATE_PREFIX).
        .globl uk_xen_cpuid
uk_xen_cpuid:
        pushq %rbx
        movq %rdx, %r8
        movl %edi, %eax
        movl %esi, %ecx
        ud2
        .ascii "xen"
        cpuid
        movl %eax, 0(%r8)
        movl %ebx, 4(%r8)
        movl %ecx, 8(%r8)
        movl %edx, 12(%r8)
        popq %rbx
        ret
