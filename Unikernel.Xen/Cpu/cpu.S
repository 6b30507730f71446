// Small CPU helpers managed code calls through RuntimeImport.

        .text
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

// bool uk_rdrand(ulong *value): one RDRAND; false when the CPU had no entropy ready (CF clear).
        .globl uk_rdrand
uk_rdrand:
        rdrandq %rax
        movq %rax, (%rdi)
        setc %al
        movzbl %al, %eax
        ret
