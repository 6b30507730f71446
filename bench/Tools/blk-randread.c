// blk-randread DEVICE COUNT: the block benchmark's random 4 KiB reads in the Linux domU, as the probe's
// BlockBench makes them (same xorshift sequence and seed): COUNT reads one at a time, then COUNT with 32 in
// flight, O_DIRECT through Linux's native AIO (raw io_setup/io_submit/io_getevents: no libaio in the domU;
// busybox dd cannot do either). Built static with clang by ukbench block. Prints the domU's bench lines,
// "linuxbench,rand-read-4k-qd<depth>,<bytes>,<seconds>", or "linuxbench: <what> failed: <errno text>".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { Small = 4096, Depth = 32 };

static uint64_t next(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *what) {
    printf("linuxbench: %s failed: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: blk-randread DEVICE COUNT\n"); return 2; }
    long count = atol(argv[2]);
    if (count < 1) { fprintf(stderr, "blk-randread: COUNT must be positive\n"); return 2; }
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0) return fail("open");
    uint64_t bytes;
    if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) return fail("BLKGETSIZE64");
    uint64_t blocks = bytes / Small;
    if (blocks == 0) { errno = EINVAL; return fail("device size"); }
    char *buffer;
    if (posix_memalign((void **)&buffer, Small, Small * Depth)) return fail("posix_memalign");
    uint64_t state = 0x9E3779B97F4A7C15ull;

    double start = now();
    for (long i = 0; i < count; i++)
        if (pread(fd, buffer, Small, (off_t)(next(&state) % blocks * Small)) != Small) return fail("pread");
    printf("linuxbench,rand-read-4k-qd1,%ld,%.3f\n", count * Small, now() - start);

    aio_context_t context = 0;
    if (syscall(SYS_io_setup, Depth, &context) < 0) return fail("io_setup");
    struct iocb blocks_in_flight[Depth], *one[1];
    struct io_event events[Depth];
    long issued = 0, done = 0;
    start = now();
    for (int s = 0; s < Depth && issued < count; s++, issued++) {
        struct iocb *cb = &blocks_in_flight[s];
        memset(cb, 0, sizeof *cb);
        cb->aio_lio_opcode = IOCB_CMD_PREAD;
        cb->aio_fildes = fd;
        cb->aio_buf = (uint64_t)(uintptr_t)(buffer + s * Small);
        cb->aio_nbytes = Small;
        cb->aio_offset = next(&state) % blocks * Small;
        cb->aio_data = s;
        one[0] = cb;
        if (syscall(SYS_io_submit, context, 1, one) != 1) return fail("io_submit");
    }
    while (done < count) {
        long n = syscall(SYS_io_getevents, context, 1, Depth, events, NULL);
        if (n < 0) { if (errno == EINTR) continue; return fail("io_getevents"); }
        for (long e = 0; e < n; e++) {
            if (events[e].res != Small) { errno = events[e].res < 0 ? (int)-events[e].res : EIO; return fail("read (aio)"); }
            done++;
            if (issued < count) {
                struct iocb *cb = &blocks_in_flight[events[e].data];
                cb->aio_offset = next(&state) % blocks * Small;
                one[0] = cb;
                if (syscall(SYS_io_submit, context, 1, one) != 1) return fail("io_submit");
                issued++;
            }
        }
    }
    printf("linuxbench,rand-read-4k-qd32,%ld,%.3f\n", count * Small, now() - start);
    syscall(SYS_io_destroy, context);
    close(fd);
    return 0;
}
