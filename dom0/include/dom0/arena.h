/*
 * A first-fit allocator over one block of memory that the caller owns: dom0
 * has no page allocator of its own yet, so its malloc() carves a static
 * arena (dom0/lib/libc.c). Blocks are 16-byte aligned; free neighbours merge
 * at once (boundary tags), so the free list never holds two adjacent blocks.
 * Not thread-safe: dom0 runs one vCPU and never allocates from an event
 * handler.
 */
#ifndef DOM0_ARENA_H
#define DOM0_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena_block;

struct arena {
    struct arena_block *free_list;  /* free blocks, address order not kept */
    uint8_t *base;                  /* first block */
    size_t size;                    /* usable bytes from base, 16-aligned */
    size_t in_use;                  /* bytes in allocated blocks (headers included) */
    size_t peak;                    /* largest in_use seen */
    size_t allocations;             /* blocks handed out and not freed */
};

/* Take [mem, mem + size) for the arena; false if it is too small to use. */
bool arena_init(struct arena *a, void *mem, size_t size);
/* NULL when no free block is large enough (or size is absurd). */
void *arena_alloc(struct arena *a, size_t size);
/* p must come from this arena, or be NULL. */
void arena_free(struct arena *a, void *p);
/* Grow or shrink in place when possible, else move; NULL leaves p intact. */
void *arena_realloc(struct arena *a, void *p, size_t size);
/* Bytes the caller may use in p's block (at least what was asked for). */
size_t arena_usable(const void *p);
/* Total free bytes and the largest single free block. */
void arena_stats(const struct arena *a, size_t *free_bytes, size_t *largest);
/* Walk every block and check the tags; false on corruption (tests, shell). */
bool arena_check(const struct arena *a);

#endif /* DOM0_ARENA_H */
