/*
 * The small freestanding library of a PV test kernel: string functions and
 * vsnprintf (the hypervisor's own hypervisor/lib/string.c and vsnprintf.c,
 * compiled into the guest too), console printf, barriers and bit helpers.
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define __noreturn      __attribute__((noreturn))
#define __aligned(n)    __attribute__((aligned(n)))
#define __printf(f, a)  __attribute__((format(printf, f, a)))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)

/* Compiler barrier; on x86 loads and stores to WB memory are ordered enough
 * for the shared_info protocols, which only need the compiler kept in line. */
#define barrier()       __asm__ volatile("" ::: "memory")
#define READ_ONCE(x)    (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* hypervisor/lib/string.c */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);

/* hypervisor/lib/vsnprintf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Console output through console_io(CONSOLEIO_write). printf formats into a
 * stack buffer and writes it with one hypercall, so a line is never split
 * by an event handler printing in between; longer output is truncated.
 */
#define PRINTF_MAX      256
int console_write(const char *buf, size_t len);
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);

/*
 * The guest's command line (start_info.cmd_line): space-separated words,
 * "key" or "key=value". cmdline_get copies the value of key into buf and
 * returns true when key is present ("" for a bare key).
 */
bool cmdline_get(const char *key, char *buf, size_t size);
/* A decimal option's value, or dflt when it is absent or not a number. */
unsigned long cmdline_get_ulong(const char *key, unsigned long dflt);

/* hypervisor/lib/stats.c: sort_u64(), sample_stats() for benchmarks. */
#include "../../../hypervisor/include/sable/stats.h"

/* Bit operations on 64-bit words, atomic where shared with the hypervisor. */
static inline void atomic_set_bit(unsigned int nr, volatile uint64_t *words)
{
    __atomic_fetch_or(&words[nr / 64], 1ULL << (nr % 64), __ATOMIC_SEQ_CST);
}

static inline void atomic_clear_bit(unsigned int nr, volatile uint64_t *words)
{
    __atomic_fetch_and(&words[nr / 64], ~(1ULL << (nr % 64)), __ATOMIC_SEQ_CST);
}

static inline bool test_bit(unsigned int nr, const volatile uint64_t *words)
{
    return (words[nr / 64] >> (nr % 64)) & 1;
}

#endif /* GUEST_LIB_H */
