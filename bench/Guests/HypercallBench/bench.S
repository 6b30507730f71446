// The pages whose PTEs the benchmark rewrites: one per operation, up to the largest N (4096).
        .text
        .globl bench_area_address
bench_area_address:
        leaq bench_area(%rip), %rax
        ret

        .section .bss_pages.bench_area, "aw", @nobits   // page-aligned by link.ld
bench_area:
        .skip 4096 * 4096
