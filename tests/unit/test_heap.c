/*
 * The hypervisor heap against a fake page source: size classes, reuse,
 * whole-page objects freed without a size, bad frees, exhaustion, stress.
 * The fake alloc_xenheap_pages() below checks that every block comes back
 * with the order it was handed out with and with its frame flags cleared.
 * SOURCES: hypervisor/common/heap.c hypervisor/common/frame_table.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/buddy.h>
#include <sable/errno.h>
#include <sable/heap.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>

#define NR_FRAMES 512

static struct page_info table[NR_FRAMES];
static char *arena;
static int8_t block_order[NR_FRAMES];   /* -1: free; else order of the block starting here */
static bool frame_used[NR_FRAMES];
static unsigned long pages_out, page_limit;

/* First-fit, naturally aligned, like the buddy allocator's blocks. */
void *alloc_xenheap_pages(unsigned int order)
{
    unsigned long n = 1UL << order;

    if (pages_out + n > page_limit)
        return NULL;
    for (unsigned long m = 0; m + n <= NR_FRAMES; m += n) {
        bool ok = true;
        for (unsigned long k = 0; k < n && ok; k++)
            ok = !frame_used[m + k];
        if (!ok)
            continue;
        for (unsigned long k = 0; k < n; k++) {
            frame_used[m + k] = true;
            table[m + k].flags = 0;
            table[m + k].owner = DOMID_XEN;
        }
        block_order[m] = order;
        pages_out += n;
        return arena + m * PAGE_SIZE;
    }
    return NULL;
}

void free_xenheap_pages(void *va, unsigned int order)
{
    mfn_t m = virt_to_mfn(va);

    assert_true(m < NR_FRAMES);
    assert_int_equal(block_order[m], order);
    for (unsigned long k = 0; k < (1UL << order); k++) {
        assert_true(frame_used[m + k]);
        assert_int_equal(table[m + k].flags, 0);     /* the heap cleaned up */
        frame_used[m + k] = false;
    }
    block_order[m] = -1;
    pages_out -= 1UL << order;
}

/* frame_table.c frees orphans of released domains; the heap makes none. */
void free_pages(struct page_info *pg, unsigned int order)
{
    fail_msg("free_pages(mfn %lu) from the heap's tests", (unsigned long)page_to_mfn(pg));
}

static int setup(void **state)
{
    arena = aligned_alloc(PAGE_SIZE, NR_FRAMES * PAGE_SIZE);
    frame_table_setup(table, NR_FRAMES, arena);
    memset(block_order, -1, sizeof(block_order));
    memset(frame_used, 0, sizeof(frame_used));
    pages_out = 0;
    page_limit = NR_FRAMES;
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(pages_out, 0);                  /* every test leaves nothing behind */
    assert_int_equal(heap_pages(), 0);
    free(arena);
    return 0;
}

static void test_size_classes(void **state)
{
    static const size_t sizes[] = { 0, 1, 16, 17, 100, 1000, 2048 };
    static const size_t align[] = { 16, 16, 16, 32, 128, 1024, 2048 };
    void *p[ARRAY_SIZE(sizes)];

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = xmalloc_bytes(sizes[i]);
        assert_non_null(p[i]);
        assert_true(IS_ALIGNED((uintptr_t)p[i], align[i]));
        memset(p[i], 0x5a, sizes[i]);                /* ASan checks it is inside the arena */
        for (size_t j = 0; j < i; j++)
            assert_ptr_not_equal(p[i], p[j]);
    }
    assert_int_equal(pages_out, 5);                  /* classes 16, 32, 128, 1024, 2048 */
    assert_int_equal(heap_pages(), 5);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        xfree(p[i]);
}

static void test_reuse_and_page_release(void **state)
{
    void *obj[257];
    void *a = xmalloc_bytes(40), *b;

    xfree(a);
    assert_int_equal(pages_out, 0);                  /* the empty page went back */
    for (int i = 0; i < 257; i++) {
        obj[i] = xmalloc_bytes(16);
        assert_non_null(obj[i]);
    }
    assert_int_equal(pages_out, 2);                  /* 256 objects fill one page */
    xfree(obj[100]);
    b = xmalloc_bytes(9);
    assert_ptr_equal(b, obj[100]);                   /* freed memory is reused first */
    obj[100] = b;
    for (int i = 0; i < 257; i++)
        xfree(obj[i]);
}

static void test_large_objects(void **state)
{
    static const size_t sizes[] = { 2049, 4096, 4097, 3 * 4096, 9 * 4096 };
    static const unsigned int orders[] = { 0, 0, 1, 2, 4 };
    char *p[ARRAY_SIZE(sizes)];

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = xmalloc_bytes(sizes[i]);
        assert_non_null(p[i]);
        assert_true(IS_ALIGNED((uintptr_t)(p[i] - arena), PAGE_SIZE));
        assert_int_equal(block_order[(p[i] - arena) >> PAGE_SHIFT], orders[i]);
        memset(p[i], 1, sizes[i]);
    }
    for (size_t i = ARRAY_SIZE(sizes); i-- > 0;)
        xfree(p[i]);                                 /* fake source checks the order */
    assert_null(xmalloc_bytes((PAGE_SIZE << BUDDY_MAX_ORDER) + 1));
    assert_null(xmalloc_bytes(SIZE_MAX));
}

static void test_zalloc_zeroes(void **state)
{
    unsigned char *p = xmalloc_bytes(300), *q;

    memset(p, 0xff, 300);
    xfree(p);
    q = xzalloc_bytes(300);
    assert_ptr_equal(p, q);
    for (int i = 0; i < 300; i++)
        assert_int_equal(q[i], 0);
    xfree(q);
    q = xzalloc_bytes(10000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(q[i], 0);
    xfree(q);
}

static void test_bad_frees(void **state)
{
    char *small = xmalloc_bytes(64), *other = xmalloc_bytes(64);
    char *large = xmalloc_bytes(8192), *raw = alloc_xenheap_pages(0);
    static char not_in_arena[64];

    assert_int_equal(heap_free(NULL), 0);
    assert_int_equal(heap_free(small + 8), -EINVAL);      /* not an object's start */
    assert_int_equal(heap_free(large + PAGE_SIZE), -EINVAL);
    assert_int_equal(heap_free(large + 64), -EINVAL);
    assert_int_equal(heap_free(raw), -EINVAL);            /* page not from the heap */
    assert_int_equal(heap_free(not_in_arena), -EINVAL);
    assert_int_equal(heap_free(arena + NR_FRAMES * PAGE_SIZE), -EINVAL);
    assert_int_equal(heap_free(small), 0);
    assert_int_equal(heap_free(small), -EINVAL);          /* double free */
    assert_int_equal(heap_free(large), 0);
    assert_int_equal(heap_free(large), -EINVAL);
    memset(other, 0x5a, 64);                              /* live neighbour intact */
    xfree(other);
    free_xenheap_pages(raw, 0);
}

static void test_exhaustion(void **state)
{
    void *p[64];
    int n = 0;

    page_limit = 4;
    while (n < 64 && (p[n] = xmalloc_bytes(2048)))
        n++;
    assert_int_equal(n, 8);                               /* 4 pages of 2 objects */
    assert_null(xmalloc_bytes(16));                       /* another class needs a page */
    assert_null(xmalloc_bytes(5000));
    xfree(p[3]);
    assert_non_null(p[3] = xmalloc_bytes(2048));          /* the freed slot */
    while (n-- > 0)
        xfree(p[n]);
    assert_non_null(p[0] = xmalloc_bytes(16));
    xfree(p[0]);
}

/* Random sizes; every object holds its own byte pattern until freed. */
static void test_random_stress(void **state)
{
    enum { SLOTS = 400, ROUNDS = 40000 };
    static struct { unsigned char *p; size_t size; unsigned char v; } slot[SLOTS];
    unsigned int seed = 777;

    memset(slot, 0, sizeof(slot));
    for (int r = 0; r < ROUNDS + SLOTS; r++) {
        unsigned int i = r < ROUNDS ? (unsigned int)rand_r(&seed) % SLOTS : (unsigned int)(r - ROUNDS);
        if (slot[i].p) {
            for (size_t k = 0; k < slot[i].size; k++)
                assert_int_equal(slot[i].p[k], slot[i].v);
            xfree(slot[i].p);
            slot[i].p = NULL;
        } else if (r < ROUNDS) {
            unsigned int x = rand_r(&seed);
            slot[i].size = 1 + x % ((x & 0x300) ? 300 : 6000);
            slot[i].v = (unsigned char)r;
            slot[i].p = xmalloc_bytes(slot[i].size);
            if (slot[i].p)
                memset(slot[i].p, slot[i].v, slot[i].size);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_size_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_and_page_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zalloc_zeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_stress, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
