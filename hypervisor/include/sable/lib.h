/*
 * Small library: formatted output, logging with levels, assertions and the
 * string functions a freestanding hypervisor needs.
 */
#ifndef SABLE_LIB_H
#define SABLE_LIB_H

#include <sable/types.h>
#include <stdarg.h>

/* Log levels, lowest number = most important (as in syslog). */
enum log_level {
    LOG_ERR   = 0,
    LOG_WARN  = 1,
    LOG_INFO  = 2,
    LOG_DEBUG = 3,
};

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef SABLE_HYPERVISOR
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

/* Print a message at a level; lines below the console level are only logged. */
void printk_level(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define printk(...)  printk_level(LOG_INFO, __VA_ARGS__)
#define pr_err(...)  printk_level(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk_level(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk_level(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk_level(LOG_DEBUG, __VA_ARGS__)

void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2))) __noreturn;

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define ASSERT(cond)                                                      \
    do {                                                                  \
        if (unlikely(!(cond)))                                            \
            panic("assertion '%s' failed at %s:%d", #cond, __FILE__,      \
                  __LINE__);                                              \
    } while (0)
#else /* host build of portable code: map onto libc and assert() */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#define printk(...)   printf(__VA_ARGS__)
#define pr_err(...)   printf(__VA_ARGS__)
#define pr_warn(...)  printf(__VA_ARGS__)
#define pr_info(...)  printf(__VA_ARGS__)
#define pr_debug(...) ((void)0)
#define ASSERT(cond)  assert(cond)
#define BUG()         abort()
/* glibc before 2.38 has no strlcpy. */
static inline size_t host_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
#define strlcpy host_strlcpy
#endif

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#endif /* SABLE_LIB_H */
