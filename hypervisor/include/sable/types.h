/*
 * Basic types shared by the hypervisor and the host-built unit tests.
 * Only freestanding headers are used so the same file compiles in both.
 */
#ifndef SABLE_TYPES_H
#define SABLE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;   /* machine-physical byte address */
typedef uint64_t vaddr_t;   /* hypervisor-virtual byte address */
typedef uint64_t mfn_t;     /* machine frame number (paddr >> PAGE_SHIFT) */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#define __packed     __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn   __attribute__((noreturn))
#define __unused     __attribute__((unused))
#define __section(s) __attribute__((section(s)))
#define likely(x)    __builtin_expect(!!(x), 1)
#define unlikely(x)  __builtin_expect(!!(x), 0)

#endif /* SABLE_TYPES_H */
