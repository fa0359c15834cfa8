/*
 * Memory-management self-test (command line: debug_mm_selftest), also run
 * by the unit tests over a fake frame table.
 *
 * It exhausts the page allocator one frame at a time, then churns random
 * block orders and random heap object sizes, tagging every block and object
 * so that overlapping hand-outs are caught, and finally checks that the free
 * lists are exactly as they were: the same number of free blocks of every
 * order, nothing leaked, nothing duplicated.
 */
#include <sable/buddy.h>
#include <sable/errno.h>
#include <sable/heap.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>

#define ST_TAG      0x6d6d746573740000ULL   /* "mmtest" */
#define ST_SLOTS    256
#define ST_ROUNDS   20000
#define ST_MAX_ORDER 10

struct st_block { struct page_info *pg; unsigned int order; };
struct st_obj { uint8_t *p; size_t size; };

static uint64_t st_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Allocate every free frame, chained through the frames themselves, then free them. */
static int st_exhaust(void)
{
    unsigned long want = buddy_free_frames(), got = 0, bad = 0;
    struct page_info *chain = NULL, *pg;

    while ((pg = alloc_pages(0))) {
        uint64_t *w = page_to_virt(pg);
        w[0] = (uint64_t)(uintptr_t)chain;
        w[1] = page_to_mfn(pg) ^ ST_TAG;
        chain = pg;
        got++;
    }
    if (got != want || buddy_free_frames() != 0 || alloc_pages(0))
        bad++;
    while (chain) {
        uint64_t *w = page_to_virt(chain);
        struct page_info *next = (struct page_info *)(uintptr_t)w[0];
        if (w[1] != (page_to_mfn(chain) ^ ST_TAG))
            bad++;
        free_pages(chain, 0);
        chain = next;
    }
    if (bad)
        pr_err("mm selftest: exhaustion gave %lu of %lu frames, %lu problems\n", got, want, bad);
    return bad ? -EIO : 0;
}

static void st_tag_block(const struct st_block *b)
{
    uint64_t *w = page_to_virt(b->pg);
    uint64_t words = (PAGE_SIZE << b->order) / sizeof(uint64_t);

    w[0] = w[words - 1] = page_to_mfn(b->pg) ^ ST_TAG ^ b->order;
}

static bool st_block_ok(const struct st_block *b)
{
    uint64_t *w = page_to_virt(b->pg);
    uint64_t words = (PAGE_SIZE << b->order) / sizeof(uint64_t), tag;

    tag = page_to_mfn(b->pg) ^ ST_TAG ^ b->order;
    return w[0] == tag && w[words - 1] == tag;
}

/* Random block sizes (small orders likelier), freed in random order. */
static int st_blocks(uint64_t *seed)
{
    struct st_block *slot = xzalloc_bytes(ST_SLOTS * sizeof(*slot));
    unsigned long bad = 0;

    if (!slot)
        return -ENOMEM;
    for (unsigned int r = 0; r < ST_ROUNDS + ST_SLOTS; r++) {
        /* the last ST_SLOTS rounds just empty every slot */
        struct st_block *b = &slot[r < ST_ROUNDS ? st_rand(seed) % ST_SLOTS : r - ST_ROUNDS];
        if (b->pg) {
            bad += !st_block_ok(b);
            free_pages(b->pg, b->order);
            b->pg = NULL;
        } else if (r < ST_ROUNDS) {
            b->order = __builtin_ctzll(st_rand(seed) | (1ULL << ST_MAX_ORDER));
            b->pg = alloc_pages(b->order);
            if (b->pg)
                st_tag_block(b);
        }
    }
    xfree(slot);
    if (bad)
        pr_err("mm selftest: %lu page blocks were overwritten\n", bad);
    return bad ? -EIO : 0;
}

/* Fill the first and last (up to) 32 bytes of an object with its own pattern. */
static void st_fill(const struct st_obj *o, bool check, unsigned long *bad)
{
    uint8_t v = (uint8_t)((uintptr_t)o->p >> 4) ^ (uint8_t)o->size;
    size_t n = MIN(o->size, (size_t)32);

    for (size_t i = 0; i < n; i++) {
        uint8_t *a = &o->p[i], *z = &o->p[o->size - 1 - i];
        if (check && (*a != v || *z != v))
            (*bad)++;
        *a = *z = v;
    }
}

static int st_heap(uint64_t *seed)
{
    struct st_obj *slot = xzalloc_bytes(2 * ST_SLOTS * sizeof(*slot));
    unsigned long bad = 0;

    if (!slot)
        return -ENOMEM;
    for (unsigned int r = 0; r < ST_ROUNDS + 2 * ST_SLOTS; r++) {
        struct st_obj *o = &slot[r < ST_ROUNDS ? st_rand(seed) % (2 * ST_SLOTS) : r - ST_ROUNDS];
        if (o->p) {
            st_fill(o, true, &bad);
            xfree(o->p);
            o->p = NULL;
        } else if (r < ST_ROUNDS) {
            uint64_t x = st_rand(seed);
            o->size = 1 + (x >> 8) % ((x & 3) == 0 ? 20000 : (x & 3) == 1 ? 2048 : 96);
            o->p = (x & 4) ? xzalloc_bytes(o->size) : xmalloc_bytes(o->size);
            if (o->p && (x & 4) && (o->p[0] || o->p[o->size - 1]))
                bad++;
            if (o->p)
                st_fill(o, false, &bad);
        }
    }
    xfree(slot);
    if (bad)
        pr_err("mm selftest: %lu heap bytes were wrong\n", bad);
    return bad ? -EIO : 0;
}

int mm_selftest(void)
{
    unsigned long free_before = buddy_free_frames(), heap_before = heap_pages();
    unsigned long blocks_before[BUDDY_ORDERS];
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int rc;

    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER; o++)
        blocks_before[o] = buddy_free_blocks(o);
    rc = st_exhaust();
    if (!rc)
        rc = st_blocks(&seed);
    if (!rc)
        rc = st_heap(&seed);
    if (!rc && (rc = buddy_verify()))
        pr_err("mm selftest: free lists inconsistent\n");
    if (!rc && (buddy_free_frames() != free_before || heap_pages() != heap_before)) {
        pr_err("mm selftest: free frames %lu -> %lu, heap pages %lu -> %lu\n", free_before,
               buddy_free_frames(), heap_before, heap_pages());
        rc = -EIO;
    }
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER && !rc; o++) {
        if (buddy_free_blocks(o) != blocks_before[o]) {
            pr_err("mm selftest: order %u free blocks %lu -> %lu\n", o, blocks_before[o],
                   buddy_free_blocks(o));
            rc = -EIO;
        }
    }
    return rc;
}
