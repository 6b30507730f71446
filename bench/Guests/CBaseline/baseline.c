/* C baseline for the hypercall batching benchmark: the mmu_update loop of bench/Guests/HypercallBench
 * (direct, multicall batches, native array) written in plain C, linked with the same boot stubs
 * (Unikernel.Boot/asm/start.S, xen-notes.S, build/link.ld), so the C#-to-C ratio of one loop can be computed.
 * It prints the same lines: bench,<op>,<path>,<batch>,<n>,<min>,<median>,<max>,<entries>. */
#include <stdint.h>

typedef uint64_t u64;
typedef int64_t s64;

/* xen/include/public/xen.h */
#define HYPERVISOR_mmu_update 1
#define HYPERVISOR_multicall 13
#define HYPERVISOR_console_io 18
#define HYPERVISOR_sched_op 29
#define CONSOLEIO_write 0
#define MMU_NORMAL_PT_UPDATE 0
#define DOMID_SELF 0x7FF0ULL
#define SCHEDOP_shutdown 2            /* sched.h */
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_crash 3
#define MACH2PHYS_VIRT_START 0xFFFF800000000000ULL /* arch-x86/xen-x86_64.h */
#define MC_BATCH 32                   /* as Unikernel.Core's BatchStorage.EntryCapacity */

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ULL
#define FRAME_MASK 0x000FFFFFFFFFF000ULL
#define MAX_OPS 4096
#define REPEATS 7                     /* as HypercallBench's Measurement.Repeats */

struct start_info {                   /* the fields used, at their x86_64 offsets (xen.h) */
    char magic[32];
    u64 nr_pages, shared_info;
    uint32_t flags, pad0;
    u64 store_mfn;
    uint32_t store_evtchn, pad1;
    u64 console[2];
    u64 pt_base, nr_pt_frames, mfn_list;
};
struct mmu_update { u64 ptr, val; };
struct multicall_entry { u64 op; s64 result; u64 args[6]; };
struct sched_shutdown { uint32_t reason; };

extern s64 uk_hypercall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);

static u64 *p2m;
static u64 entries;                   /* hypervisor entries made */
static struct mmu_update requests[MAX_OPS];
static struct multicall_entry calls[MC_BATCH];
static struct mmu_update call_args[MC_BATCH];
static char area[MAX_OPS * PAGE_SIZE] __attribute__((aligned(4096)));

static void write(const char *s, u64 n) { uk_hypercall(HYPERVISOR_console_io, CONSOLEIO_write, n, (u64)s, 0, 0); }

static void shutdown(uint32_t reason)
{
    struct sched_shutdown arg = { reason };
    for (;;) uk_hypercall(HYPERVISOR_sched_op, SCHEDOP_shutdown, (u64)&arg, 0, 0, 0);
}

static void fail(const char *what)
{
    u64 n = 0;
    while (what[n]) n++;
    write("panic: ", 7);
    write(what, n);
    write("\n", 1);
    shutdown(SHUTDOWN_crash);
}

static inline u64 rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

static u64 virt_to_machine(u64 va) { return (p2m[va >> PAGE_SHIFT] << PAGE_SHIFT) | (va & (PAGE_SIZE - 1)); }
static u64 *machine_to_virt(u64 ma) { return (u64 *)(((u64 *)MACH2PHYS_VIRT_START)[ma >> PAGE_SHIFT] << PAGE_SHIFT); }

/* The level-1 entry mapping va, walked from the top-level table. */
static u64 *find_pte(u64 cr3, u64 va)
{
    u64 table = cr3;
    for (int level = 4; level > 1; level--) {
        u64 e = machine_to_virt(table)[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
        if (!(e & 1) || (e & 0x80)) fail("baseline: no 4 KiB PTE for the area");
        table = e & FRAME_MASK;
    }
    return machine_to_virt(table) + ((va >> PAGE_SHIFT) & 511);
}

static void direct(int n, int batch)
{
    (void)batch;
    for (int i = 0; i < n; i++) {
        if (uk_hypercall(HYPERVISOR_mmu_update, (u64)&requests[i], 1, 0, DOMID_SELF, 0) < 0) fail("mmu_update");
        entries++;
    }
}

/* Queue each update as its own entry with its request copied into argument space, issue every `batch`
 * entries (a batch of one directly), check every result: what the C# queue does, without the queue. */
static void flush(int count)
{
    if (count == 1) {
        calls[0].result = uk_hypercall(calls[0].op, calls[0].args[0], calls[0].args[1], calls[0].args[2], calls[0].args[3], calls[0].args[4]);
    } else if (uk_hypercall(HYPERVISOR_multicall, (u64)calls, (u64)count, 0, 0, 0) != 0) {
        fail("multicall");
    }
    entries++;
    for (int i = 0; i < count; i++)
        if (calls[i].result < 0) fail("mmu_update in a multicall");
}

static void multicall(int n, int batch)
{
    int queued = 0;
    for (int i = 0; i < n; i++) {
        struct multicall_entry *e = &calls[queued];
        call_args[queued] = requests[i];
        e->op = HYPERVISOR_mmu_update;
        e->result = 0;
        e->args[0] = (u64)&call_args[queued];
        e->args[1] = 1;
        e->args[2] = 0;
        e->args[3] = DOMID_SELF;
        e->args[4] = e->args[5] = 0;
        if (++queued == batch || i == n - 1) { flush(queued); queued = 0; }
    }
}

static void native(int n, int batch)
{
    (void)batch;
    if (uk_hypercall(HYPERVISOR_mmu_update, (u64)requests, (u64)n, 0, DOMID_SELF, 0) < 0) fail("mmu_update(array)");
    entries++;
}

static char *put_u64(char *p, u64 v)
{
    char digits[20];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *s) { while (*s) *p++ = *s++; return p; }

static void measure(const char *path, int batch, int n, void (*work)(int, int))
{
    u64 per_op[REPEATS], count = 0;
    work(n, batch); /* warm-up */
    for (int r = 0; r < REPEATS; r++) {
        u64 before = entries, start = rdtsc();
        work(n, batch);
        per_op[r] = (rdtsc() - start) / (u64)n;
        count = entries - before;
    }
    for (int i = 1; i < REPEATS; i++)
        for (int j = i; j > 0 && per_op[j - 1] > per_op[j]; j--) { u64 t = per_op[j]; per_op[j] = per_op[j - 1]; per_op[j - 1] = t; }

    char line[128], *p = line;
    p = put_str(p, "bench,mmu_update,");
    p = put_str(p, path);
    *p++ = ',';
    p = put_u64(p, (u64)batch); *p++ = ',';
    p = put_u64(p, (u64)n); *p++ = ',';
    p = put_u64(p, per_op[0]); *p++ = ',';
    p = put_u64(p, per_op[REPEATS / 2]); *p++ = ',';
    p = put_u64(p, per_op[REPEATS - 1]); *p++ = ',';
    p = put_u64(p, count);
    *p++ = '\n';
    write(line, (u64)(p - line));
}

/* Called by start.S's _start on our own stack, with start_info. Events stay masked throughout. */
void uk_boot_entry(struct start_info *si)
{
    p2m = (u64 *)si->mfn_list;
    u64 cr3 = virt_to_machine(si->pt_base);
    for (int i = 0; i < MAX_OPS; i++) {
        u64 va = (u64)&area[(u64)i * PAGE_SIZE];
        *(volatile char *)va = (char)i;
        u64 *pte = find_pte(cr3, va);
        requests[i].ptr = virt_to_machine((u64)pte) | MMU_NORMAL_PT_UPDATE;
        requests[i].val = *pte;
    }

    static const int sizes[] = { 1, 16, 256, 4096 };
    static const int batches[] = { 1, 2, 4, 8, 16, 32 };
    write("bench-begin cbaseline\n", 22);
    for (int s = 0; s < 4; s++) {
        measure("direct", 1, sizes[s], direct);
        for (int b = 0; b < 6; b++) measure("multicall", batches[b], sizes[s], multicall);
        measure("native", sizes[s], sizes[s], native);
    }
    write("bench-end cbaseline\n", 20);
    shutdown(SHUTDOWN_poweroff);
}
