/*
 * A private ring-3 address space the hypervisor builds for itself: this
 * CPU's hypervisor mappings plus, at USER_SPACE_BASE, a user code page
 * (read/execute), a stack page and 2^data_order data pages (read/write,
 * no-execute). For the native micro-benchmarks (native_bench.c) and the
 * SMEP/SMAP checks (debug_crash=smep|smap); guests never see it.
 *
 *   USER_SPACE_BASE        code   (1 page)
 *   + 1 page               stack  (1 page; USER_SPACE_STACK_TOP = its top)
 *   + 2 pages              data   (2^data_order pages, at most 256 pages)
 */
#ifndef ASM_USER_SPACE_H
#define ASM_USER_SPACE_H

#include <sable/types.h>
#include <asm/page.h>

#define USER_SPACE_BASE      0x400000UL
#define USER_SPACE_CODE      USER_SPACE_BASE
#define USER_SPACE_STACK_TOP (USER_SPACE_BASE + 2 * PAGE_SIZE)
#define USER_SPACE_DATA      (USER_SPACE_BASE + 2 * PAGE_SIZE)
#define USER_SPACE_MAX_ORDER 8

struct user_space {
    pgentry_t *l4, *l3, *l2, *l1;
    void *code, *stack;
    void *data;                     /* hypervisor (direct-map) view of the data pages */
    unsigned int data_order;
};

/* Build it (code page zeroed, data not): 0, or -ENOMEM with nothing held. */
int user_space_build(struct user_space *s, unsigned int data_order);
void user_space_free(struct user_space *s);

/* Load it on this CPU (interrupts off meanwhile); returns the CR3 to restore. */
uint64_t user_space_enter(const struct user_space *s);

#endif
