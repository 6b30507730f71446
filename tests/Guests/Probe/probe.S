// Faulting instructions for the probe guest's trap tests.
        .text
        .globl probe_ud2
probe_ud2:
        ud2
        ret
        .globl probe_hlt
probe_hlt:
        hlt
        ret

// void probe_native_cpuid(uint leaf, uint regs[4]): the plain instruction, which Xen does not filter.
        .globl probe_native_cpuid
probe_native_cpuid:
        pushq %rbx
        movl %edi, %eax
        xorl %ecx, %ecx
        cpuid
        movl %eax, 0(%rsi)
        movl %ebx, 4(%rsi)
        movl %ecx, 8(%rsi)
        movl %edx, 12(%rsi)
        popq %rbx
        ret

// Two page-aligned pages whose mappings the set_pte check swaps.
        .globl probe_pages_address
probe_pages_address:
        leaq probe_pages(%rip), %rax
        ret

        .section .bss_pages.probe_pages, "aw", @nobits   // page-aligned by link.ld
probe_pages:
        .skip 8192

        .text
        .globl probe_text_address
probe_text_address:
        leaq probe_text_address(%rip), %rax
        ret
        .globl probe_rodata_address
probe_rodata_address:
        leaq probe_rodata_word(%rip), %rax
        ret
        .globl probe_data_address
probe_data_address:
        leaq probe_data_word(%rip), %rax
        ret
        .globl probe_write_rodata
probe_write_rodata:
        movq $1, probe_rodata_word(%rip)
        ret

        .section .rodata.probe, "a", @progbits
        .balign 8
probe_rodata_word:
        .quad 0x600d
        .data
        .balign 8
probe_data_word:
        .quad 0x600d

// Pages whose mappings the batching checks rewrite: BatchPages "windows" then BatchPages frames they are
// pointed at.
        .text
        .globl probe_batch_area_address
probe_batch_area_address:
        leaq probe_batch_area(%rip), %rax
        ret

// ulong probe_read_fs0(void): the quadword at %fs:0, i.e. at the FS base Xen loaded for us.
        .globl probe_read_fs0
probe_read_fs0:
        movq %fs:0, %rax
        ret

        .section .bss_pages.probe_batch_area, "aw", @nobits
probe_batch_area:
        .skip 128 * 4096
