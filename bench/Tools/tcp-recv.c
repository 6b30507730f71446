// tcp-recv ADDRESS PORT: connects and reads until the peer closes, for the network benchmark (ukbench net runs
// it in dom0, built static with clang). Reads 256 KiB at a time into one buffer and prints the byte count:
// dom0's reader should cost little per byte, or it, not the guest, sets the figure (busybox's wc -c, which
// this replaces, took a getc per byte). Prints "<bytes>" or "tcp-recv-error,<what>,<errno text>".
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static char buffer[256 * 1024];

static int fail(const char *what) {
    printf("tcp-recv-error,%s,%s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: tcp-recv ADDRESS PORT\n"); return 2; }
    struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &from.sin_addr) != 1) { fprintf(stderr, "tcp-recv: bad address %s\n", argv[1]); return 2; }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return fail("socket");
    struct timeval limit = { .tv_sec = 30 }; // a stalled sender ends the run instead of hanging it
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (connect(s, (struct sockaddr *)&from, sizeof from) < 0) return fail("connect");
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(s, buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("read");
        }
        total += (unsigned long long)n;
    }
    close(s);
    printf("%llu\n", total);
    return 0;
}
