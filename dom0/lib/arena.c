/*
 * First-fit arena allocator (dom0/include/dom0/arena.h).
 *
 * Every block is [header 16 bytes][payload][footer 8 bytes], its size a
 * multiple of 16. The header holds the size with the USED bit and a magic
 * word (a wrong free() is caught, not followed); the footer repeats the
 * size word, so free() can find and merge the block before it. A free
 * block keeps its free-list links in its payload.
 */
#include <dom0/arena.h>
#include <dom0/libc.h>

#define ARENA_ALIGN     16
#define BLOCK_USED      1ULL
#define BLOCK_MAGIC     0x5ab1e0a7e2a5c0deULL
#define HEADER_SIZE     16
#define FOOTER_SIZE     8
#define BLOCK_MIN       48              /* header, two links, footer, aligned */

struct arena_block {
    uint64_t size_used;                 /* size | BLOCK_USED */
    uint64_t magic;
    struct arena_block *next, *prev;    /* free blocks only */
};

static size_t block_size(const struct arena_block *b)
{
    return b->size_used & ~BLOCK_USED;
}

static bool block_used(const struct arena_block *b)
{
    return b->size_used & BLOCK_USED;
}

static void block_set(struct arena_block *b, size_t size, bool used)
{
    b->size_used = size | (used ? BLOCK_USED : 0);
    b->magic = BLOCK_MAGIC;
    *(uint64_t *)((uint8_t *)b + size - FOOTER_SIZE) = b->size_used;
}

static uint8_t *arena_end(const struct arena *a)
{
    return a->base + a->size;
}

static void list_add(struct arena *a, struct arena_block *b)
{
    b->prev = NULL;
    b->next = a->free_list;
    if (a->free_list)
        a->free_list->prev = b;
    a->free_list = b;
}

static void list_del(struct arena *a, struct arena_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        a->free_list = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

bool arena_init(struct arena *a, void *mem, size_t size)
{
    uintptr_t start = ((uintptr_t)mem + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
    size_t lost = start - (uintptr_t)mem;

    memset(a, 0, sizeof(*a));
    if (size < lost + BLOCK_MIN)
        return false;
    a->base = (uint8_t *)start;
    a->size = (size - lost) & ~(size_t)(ARENA_ALIGN - 1);
    block_set((struct arena_block *)a->base, a->size, false);
    list_add(a, (struct arena_block *)a->base);
    return true;
}

/* Block size for a payload of n bytes, 0 if n is too large to represent. */
static size_t block_need(size_t n)
{
    size_t need;

    if (n > SIZE_MAX / 2)
        return 0;
    need = (n + HEADER_SIZE + FOOTER_SIZE + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    return need < BLOCK_MIN ? BLOCK_MIN : need;
}

/* Mark b (off the free list) used with size need, returning any tail to the list. */
static void block_take(struct arena *a, struct arena_block *b, size_t need)
{
    size_t size = block_size(b);

    if (size - need >= BLOCK_MIN) {
        struct arena_block *rest = (struct arena_block *)((uint8_t *)b + need);
        struct arena_block *after = (struct arena_block *)((uint8_t *)b + size);
        size_t rest_size = size - need;

        /* A shrinking realloc may leave the tail next to a free block. */
        if ((uint8_t *)after < arena_end(a) && !block_used(after)) {
            list_del(a, after);
            rest_size += block_size(after);
            after->magic = 0;
        }
        block_set(rest, rest_size, false);
        list_add(a, rest);
        size = need;
    }
    block_set(b, size, true);
    a->in_use += size;
    if (a->in_use > a->peak)
        a->peak = a->in_use;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = block_need(n);

    if (!need)
        return NULL;
    for (struct arena_block *b = a->free_list; b; b = b->next) {
        if (block_size(b) >= need) {
            list_del(a, b);
            block_take(a, b, need);
            a->allocations++;
            return (uint8_t *)b + HEADER_SIZE;
        }
    }
    return NULL;
}

static struct arena_block *block_of(const void *p)
{
    return (struct arena_block *)((uint8_t *)p - HEADER_SIZE);
}

static struct arena_block *block_next(const struct arena *a, struct arena_block *b)
{
    uint8_t *n = (uint8_t *)b + block_size(b);

    return n < arena_end(a) ? (struct arena_block *)n : NULL;
}

static struct arena_block *block_prev(const struct arena *a, struct arena_block *b)
{
    uint64_t tag;

    if ((uint8_t *)b == a->base)
        return NULL;
    tag = *(uint64_t *)((uint8_t *)b - FOOTER_SIZE);
    return (struct arena_block *)((uint8_t *)b - (tag & ~BLOCK_USED));
}

/* A pointer this arena handed out and has not taken back? */
static bool block_valid(const struct arena *a, const void *p)
{
    const struct arena_block *b = block_of(p);

    return (const uint8_t *)p >= a->base + HEADER_SIZE && (const uint8_t *)p < arena_end(a) &&
           ((uintptr_t)p & (ARENA_ALIGN - 1)) == 0 && b->magic == BLOCK_MAGIC &&
           block_used(b);
}

void arena_free(struct arena *a, void *p)
{
    struct arena_block *b, *n, *prev;
    size_t size;

    if (!p)
        return;
    if (!block_valid(a, p))
        return;                         /* not ours, or freed twice: ignore */
    b = block_of(p);
    size = block_size(b);
    a->in_use -= size;
    a->allocations--;
    n = block_next(a, b);
    if (n && !block_used(n)) {
        list_del(a, n);
        size += block_size(n);
        n->magic = 0;
    }
    prev = block_prev(a, b);
    if (prev && !block_used(prev)) {
        list_del(a, prev);
        size += block_size(prev);
        b->magic = 0;
        b = prev;
    }
    block_set(b, size, false);
    list_add(a, b);
}

size_t arena_usable(const void *p)
{
    return block_size(block_of(p)) - HEADER_SIZE - FOOTER_SIZE;
}

void *arena_realloc(struct arena *a, void *p, size_t n)
{
    struct arena_block *b, *next;
    size_t need = block_need(n), size;
    void *q;

    if (!p)
        return arena_alloc(a, n);
    if (!need || !block_valid(a, p))
        return NULL;
    b = block_of(p);
    size = block_size(b);
    next = block_next(a, b);
    if (size < need && next && !block_used(next) && size + block_size(next) >= need) {
        list_del(a, next);
        size += block_size(next);
        next->magic = 0;
        a->in_use += block_size(next);
        block_set(b, size, true);
    }
    if (size >= need) {
        /* Give back a tail worth a block of its own. */
        a->in_use -= size;
        block_take(a, b, need);
        return p;
    }
    q = arena_alloc(a, n);
    if (!q)
        return NULL;
    memcpy(q, p, size - HEADER_SIZE - FOOTER_SIZE);
    arena_free(a, p);
    return q;
}

void arena_stats(const struct arena *a, size_t *free_bytes, size_t *largest)
{
    size_t total = 0, big = 0;

    for (const struct arena_block *b = a->free_list; b; b = b->next) {
        total += block_size(b);
        if (block_size(b) > big)
            big = block_size(b);
    }
    *free_bytes = total;
    *largest = big;
}

bool arena_check(const struct arena *a)
{
    size_t used = 0, free_listed = 0, free_walked = 0;
    bool prev_free = false;

    for (uint8_t *p = a->base; p < arena_end(a);) {
        struct arena_block *b = (struct arena_block *)p;
        size_t size = block_size(b);

        if (b->magic != BLOCK_MAGIC || size < BLOCK_MIN || size % ARENA_ALIGN ||
            size > (size_t)(arena_end(a) - p) ||
            *(uint64_t *)(p + size - FOOTER_SIZE) != b->size_used)
            return false;
        if (!block_used(b) && prev_free)
            return false;               /* two free neighbours: a merge was missed */
        prev_free = !block_used(b);
        if (block_used(b))
            used += size;
        else
            free_walked += size;
        p += size;
    }
    for (const struct arena_block *b = a->free_list; b; b = b->next)
        free_listed += block_size(b);
    return used == a->in_use && free_listed == free_walked;
}
