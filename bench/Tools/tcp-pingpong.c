// tcp-pingpong ADDRESS PORT COUNT: 1-byte TCP round trips against an echo server, for the network benchmark
// (ukbench net runs it in dom0, built static with clang so it needs nothing from dom0's libraries).
// Sends one byte, waits for it to come back, COUNT times after 20 unmeasured warm-up trips, with Nagle off.
// Prints "pingpong,<count>,<median_us>,<p99_us>,<min_us>,<max_us>" or "pingpong-error,<what>,<errno text>".
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what) {
    printf("pingpong-error,%s,%s\n", what, strerror(errno));
    return 1;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: tcp-pingpong ADDRESS PORT COUNT\n"); return 2; }
    int count = atoi(argv[3]);
    if (count < 1 || count > 1000000) { fprintf(stderr, "tcp-pingpong: COUNT must be 1..1000000\n"); return 2; }
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) { fprintf(stderr, "tcp-pingpong: bad address %s\n", argv[1]); return 2; }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return fail("socket");
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval limit = { .tv_sec = 10 }; // a lost echo ends the run instead of hanging it
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (connect(s, (struct sockaddr *)&to, sizeof to) < 0) return fail("connect");
    double *samples = malloc(sizeof(double) * count);
    if (!samples) return fail("malloc");
    for (int i = -20; i < count; i++) {
        char byte = (char)('a' + (i & 15)), back;
        double start = now_us();
        if (write(s, &byte, 1) != 1) return fail("write");
        ssize_t n = read(s, &back, 1);
        if (n == 0) { errno = ECONNRESET; return fail("end of stream"); }
        if (n != 1) return fail("read");
        if (back != byte) { errno = EPROTO; return fail("echo differs"); }
        if (i >= 0) samples[i] = now_us() - start;
    }
    close(s);
    qsort(samples, count, sizeof(double), compare);
    printf("pingpong,%d,%.1f,%.1f,%.1f,%.1f\n", count, samples[count / 2], samples[count * 99 / 100], samples[0], samples[count - 1]);
    return 0;
}
