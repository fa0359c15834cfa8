/*
 * dom0's small library: the arena allocator behind its malloc, strict
 * number parsing, and the XenStore ring arithmetic (wrap-around, full and
 * empty rings, impossible indices from a hostile peer).
 * SOURCES: dom0/lib/arena.c dom0/lib/strparse.c dom0/lib/xs_ring.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dom0/arena.h>
#include <dom0/libc.h>
#include <dom0/strparse.h>
#include <dom0/xs_ring.h>

static uint8_t mem[64 * 1024] __attribute__((aligned(16)));

static void test_arena_basic(void **state)
{
    struct arena a;
    size_t free0, big0, f, big;
    void *p, *q, *r;

    assert_false(arena_init(&a, mem, 16));
    assert_true(arena_init(&a, mem + 3, sizeof(mem) - 3));     /* aligns itself */
    arena_stats(&a, &free0, &big0);
    assert_int_equal(free0, big0);
    p = arena_alloc(&a, 1);
    q = arena_alloc(&a, 100);
    r = arena_alloc(&a, 1000);
    assert_non_null(p);
    assert_non_null(q);
    assert_non_null(r);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_int_equal((uintptr_t)q % 16, 0);
    assert_true(arena_usable(q) >= 100);
    memset(p, 1, 1);
    memset(q, 2, 100);
    memset(r, 3, 1000);
    assert_true(arena_check(&a));
    assert_int_equal(a.allocations, 3);
    arena_free(&a, q);
    arena_free(&a, q);                  /* twice: ignored */
    arena_free(&a, (char *)r + 16);     /* not a block start: ignored */
    arena_free(&a, NULL);
    assert_true(arena_check(&a));
    arena_free(&a, p);
    arena_free(&a, r);
    assert_true(arena_check(&a));
    arena_stats(&a, &f, &big);
    assert_int_equal(f, free0);         /* merged back into one block */
    assert_int_equal(big, big0);
    assert_int_equal(a.in_use, 0);
    assert_int_equal(a.allocations, 0);
}

static void test_arena_exhaustion(void **state)
{
    struct arena a;
    void *blocks[4096];
    size_t n = 0, f, big;

    assert_true(arena_init(&a, mem, sizeof(mem)));
    assert_null(arena_alloc(&a, sizeof(mem)));
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 8));
    while (n < 4096 && (blocks[n] = arena_alloc(&a, 40)))
        n++;
    assert_true(n > 100 && n < 4096);
    assert_true(arena_check(&a));
    for (size_t i = 0; i < n; i += 2)   /* every other: no merging possible */
        arena_free(&a, blocks[i]);
    assert_true(arena_check(&a));
    assert_null(arena_alloc(&a, 200));  /* fragmented */
    for (size_t i = 1; i < n; i += 2)
        arena_free(&a, blocks[i]);
    assert_true(arena_check(&a));
    arena_stats(&a, &f, &big);
    assert_int_equal(f, big);
    assert_non_null(arena_alloc(&a, 200));
}

static void test_arena_realloc(void **state)
{
    struct arena a;
    char *p, *q, *blocker;

    assert_true(arena_init(&a, mem, sizeof(mem)));
    p = arena_alloc(&a, 64);
    memset(p, 'a', 64);
    q = arena_realloc(&a, p, 1000);     /* grows in place into the free tail */
    assert_ptr_equal(q, p);
    assert_memory_equal(q, "aaaa", 4);
    blocker = arena_alloc(&a, 32);
    p = arena_realloc(&a, q, 4000);     /* must move past the blocker */
    assert_ptr_not_equal(p, q);
    for (int i = 0; i < 64; i++)
        assert_int_equal(p[i], 'a');
    q = arena_realloc(&a, p, 10);       /* shrinks in place, tail given back */
    assert_ptr_equal(q, p);
    assert_true(arena_check(&a));
    assert_null(arena_realloc(&a, q, sizeof(mem)));     /* too big: q intact */
    assert_int_equal(q[0], 'a');
    assert_ptr_equal(arena_realloc(&a, NULL, 16) != NULL, true);
    arena_free(&a, q);
    arena_free(&a, blocker);
    assert_true(arena_check(&a));
}

/* Random alloc/free/realloc against a shadow copy: contents survive, tags stay right. */
static void test_arena_random(void **state)
{
    struct arena a;
    struct { char *p; size_t n; char fill; } live[64] = { 0 };
    unsigned int seed = 12345;

    assert_true(arena_init(&a, mem, sizeof(mem)));
    for (int step = 0; step < 20000; step++) {
        unsigned int i = (seed = seed * 1103515245 + 12345) >> 16 & 63;
        size_t n = ((seed >> 8) % 700) + 1;

        if (live[i].p) {
            for (size_t k = 0; k < live[i].n; k++)
                assert_int_equal(live[i].p[k], live[i].fill);
        }
        if (live[i].p && (seed & 1)) {
            arena_free(&a, live[i].p);
            live[i].p = NULL;
        } else {
            char *p = arena_realloc(&a, live[i].p, n);

            if (!p)
                continue;
            live[i].p = p;
            live[i].n = n;
            live[i].fill = (char)step;
            memset(p, live[i].fill, n);
        }
    }
    assert_true(arena_check(&a));
    for (int i = 0; i < 64; i++)
        arena_free(&a, live[i].p);
    assert_int_equal(a.in_use, 0);
    assert_true(arena_check(&a));
}

static void test_parse(void **state)
{
    uint64_t v;

    assert_true(parse_decimal("0", 10, &v));
    assert_int_equal(v, 0);
    assert_true(parse_decimal("65535", 65535, &v));
    assert_int_equal(v, 65535);
    assert_false(parse_decimal("65536", 65535, &v));
    assert_true(parse_decimal("18446744073709551615", UINT64_MAX, &v));
    assert_int_equal(v, UINT64_MAX);
    assert_false(parse_decimal("18446744073709551616", UINT64_MAX, &v));
    assert_false(parse_decimal("", 10, &v));
    assert_false(parse_decimal("-1", 10, &v));
    assert_false(parse_decimal("+1", 10, &v));
    assert_false(parse_decimal(" 1", 10, &v));
    assert_false(parse_decimal("1 ", 10, &v));
    assert_false(parse_decimal("0x10", 100, &v));
    assert_true(parse_decimal_n("123abc", 3, 1000, &v));
    assert_int_equal(v, 123);
    assert_true(parse_number_n("0x1F", 4, 100, &v));
    assert_int_equal(v, 31);
    assert_false(parse_number_n("0x", 2, 100, &v));
    assert_false(parse_number_n("0xg", 3, 100, &v));
    assert_true(parse_number_n("010", 3, 100, &v));             /* decimal, not octal */
    assert_int_equal(v, 10);
}

static struct xenstore_domain_interface ring;

static void test_ring_wrap(void **state)
{
    char out[XENSTORE_RING_SIZE * 2], in[XENSTORE_RING_SIZE * 2];

    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (char)(i * 7);
    memset(&ring, 0, sizeof(ring));
    ring.req_prod = ring.req_cons = 0xfffffe00u;                /* wraps the u32 soon */
    for (int round = 0; round < 10; round++) {
        assert_int_equal(xs_ring_write_request(&ring, out, 700), 700);
        assert_int_equal(xs_ring_read_request(&ring, in, 300), 300);
        assert_memory_equal(in, out, 300);
        assert_int_equal(xs_ring_read_request(&ring, in, 1000), 400);
        assert_memory_equal(in, out + 300, 400);
        assert_int_equal(xs_ring_read_request(&ring, in, 10), 0);
    }
    /* Full ring: exactly 1024 bytes fit, no more. */
    assert_int_equal(xs_ring_write_request(&ring, out, sizeof(out)), XENSTORE_RING_SIZE);
    assert_int_equal(xs_ring_write_request(&ring, out, 1), 0);
    assert_int_equal(xs_ring_read_request(&ring, in, sizeof(in)), XENSTORE_RING_SIZE);
    assert_memory_equal(in, out, XENSTORE_RING_SIZE);
    assert_int_equal(ring.req_prod, ring.req_cons);
    /* The other ring works the same way. */
    assert_int_equal(xs_ring_write_response(&ring, "abc", 3), 3);
    assert_int_equal(xs_ring_read_response(&ring, in, 10), 3);
    assert_memory_equal(in, "abc", 3);
}

static void test_ring_hostile(void **state)
{
    char buf[16] = "0123456789";

    memset(&ring, 0, sizeof(ring));
    ring.req_prod = 1025;                                       /* more than fits */
    assert_int_equal(xs_ring_read_request(&ring, buf, 16), XS_RING_BAD);
    assert_int_equal(ring.req_cons, 0);
    ring.req_prod = 0xffffffffu;                                /* "behind" the consumer */
    assert_int_equal(xs_ring_read_request(&ring, buf, 16), XS_RING_BAD);
    ring.req_prod = 1024;
    assert_int_equal(xs_ring_read_request(&ring, buf, 16), 16); /* the edge is fine */
    ring.rsp_cons = 5;                                          /* consumer ahead */
    assert_int_equal(xs_ring_write_response(&ring, buf, 4), XS_RING_BAD);
    assert_int_equal(ring.rsp_prod, 0);
    ring.rsp_cons = (uint32_t)-1024;                            /* exactly full */
    assert_int_equal(xs_ring_write_response(&ring, buf, 4), 0);
    ring.rsp_cons = (uint32_t)-1025;
    assert_int_equal(xs_ring_write_response(&ring, buf, 4), XS_RING_BAD);
    assert_int_equal(xs_ring_read_request(&ring, buf, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_basic),
        cmocka_unit_test(test_arena_exhaustion),
        cmocka_unit_test(test_arena_realloc),
        cmocka_unit_test(test_arena_random),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_ring_wrap),
        cmocka_unit_test(test_ring_hostile),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
