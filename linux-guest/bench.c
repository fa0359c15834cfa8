/*
 * The reference guest workloads (/work/shared/WORKLOADS.md, docs/linux-guest.md),
 * built static into the Linux guest's initramfs as /bin/bench.
 *
 *   bench [all | int | sys | mem]... [n=N]
 *
 * Each workload times itself with clock_gettime(CLOCK_MONOTONIC) and prints
 * one line, which bench/linux_guest.py parses:
 *
 *   BENCH name=<int|sys|mem> n=<work> ms=<elapsed> check=<value>
 *
 * The check value depends only on n, so a wrong answer shows whatever the
 * speed: int prints the final accumulator, sys the sum of getppid() results
 * (n times the parent's pid), mem the number of pages touched.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MEM_BYTES (64ul << 20)
#define PAGE_BYTES 4096ul

struct workload {
    const char *name;
    uint64_t default_n;
    uint64_t (*run)(uint64_t n);
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A xorshift chain folded into an LCG: every iteration depends on the last. */
static uint64_t work_int(uint64_t n)
{
    uint64_t x = 0x9E3779B97F4A7C15ull, acc = 1;

    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc = acc * 6364136223846793005ull + (x | 1);
    }
    return acc;
}

/* The cheapest real system call, through syscall() so libc cannot cache it. */
static uint64_t work_sys(uint64_t n)
{
    uint64_t sum = 0;

    for (uint64_t i = 0; i < n; i++)
        sum += (uint64_t)syscall(SYS_getppid);
    return sum;
}

/* n rounds of: map 64 MiB, fault in every page by writing one byte, unmap. */
static uint64_t work_mem(uint64_t n)
{
    uint64_t pages = 0;

    for (uint64_t round = 0; round < n; round++) {
        volatile char *p = mmap(NULL, MEM_BYTES, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
            perror("bench: mmap");
            exit(1);
        }
        for (size_t off = 0; off < MEM_BYTES; off += PAGE_BYTES) {
            p[off] = 1;
            pages++;
        }
        munmap((void *)p, MEM_BYTES);
    }
    return pages;
}

static const struct workload workloads[] = {
    { "int", 200000000, work_int },
    { "sys", 1000000, work_sys },
    { "mem", 4, work_mem },
};
#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))
#define MAX_RUNS 16

static void run(const struct workload *w, uint64_t n)
{
    double t0, t1;
    uint64_t check;

    if (!n)
        n = w->default_n;
    t0 = now_ms();
    check = w->run(n);
    t1 = now_ms();
    printf("BENCH name=%s n=%" PRIu64 " ms=%.3f check=%" PRIu64 "\n", w->name, n, t1 - t0, check);
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench [all|int|sys|mem]... [n=N]\n");
    exit(2);
}

/* Adds the workloads a command-line word names ("all": every one). */
static size_t choose(const char *word, const struct workload **chosen, size_t nr)
{
    size_t found = 0;

    for (size_t w = 0; w < NR_WORKLOADS; w++) {
        if (strcmp(word, "all") && strcmp(word, workloads[w].name))
            continue;
        if (nr + found == MAX_RUNS)
            usage();
        chosen[nr + found++] = &workloads[w];
    }
    if (!found)
        usage();
    return nr + found;
}

int main(int argc, char **argv)
{
    const struct workload *chosen[MAX_RUNS];
    size_t nr = 0;
    uint64_t n = 0;
    char *end;

    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "n=", 2)) {
            nr = choose(argv[i], chosen, nr);
            continue;
        }
        n = strtoull(argv[i] + 2, &end, 0);
        if (*end || !n)
            usage();
    }
    if (!nr)
        nr = choose("all", chosen, 0);
    for (size_t i = 0; i < nr; i++)
        run(chosen[i], n);
    return 0;
}
