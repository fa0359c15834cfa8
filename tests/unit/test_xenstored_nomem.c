/*
 * xenstored when memory runs out: a scenario of every kind of request
 * (writes, permissions, watches and their events, a transaction, removal,
 * listings, a domain's requests over its ring) is run once for each
 * allocation it makes, with exactly that allocation failing. Every request
 * must then answer normally, ENOMEM, or not at all (its reply could not be
 * queued), and afterwards the store must still work, count its nodes right,
 * and give every byte back when destroyed.
 * CFLAGS: -DDOM0_FAULT_INJECT
 * SOURCES: dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"

static long fi_calls, fi_fail_at, fi_live;

/* Count a call; true if it is the one to fail. */
static bool fi_fail(void)
{
    return ++fi_calls == fi_fail_at;
}

void *fi_malloc(size_t size)
{
    void *p = fi_fail() ? NULL : (malloc)(size);

    fi_live += p != NULL;
    return p;
}

void *fi_calloc(size_t n, size_t size)
{
    void *p = fi_fail() ? NULL : (calloc)(n, size);

    fi_live += p != NULL;
    return p;
}

void *fi_realloc(void *p, size_t size)
{
    void *q = fi_fail() ? NULL : (realloc)(p, size);

    fi_live += q && !p;
    return q;
}

char *fi_strdup(const char *s)
{
    char *d = fi_fail() ? NULL : (strdup)(s);

    fi_live += d != NULL;
    return d;
}

void fi_free(void *p)
{
    fi_live -= p != NULL;
    (free)(p);
}

/* A request's result: what it would be, or one of the ways running out of memory shows. */
#define TOLERATE(expr, ...) do {                                               \
    int rc_ = (expr), ok_[] = { XEN_ENOMEM, XS_CLIENT_EIO, __VA_ARGS__ };      \
    bool fine_ = false;                                                        \
    for (size_t i_ = 0; i_ < ARRAY_SIZE(ok_); i_++)                            \
        fine_ |= rc_ == ok_[i_];                                               \
    if (!fine_)                                                                \
        fail_msg("%s gave %d with allocation %ld failing", #expr, rc_, fi_fail_at); \
} while (0)

static struct xs_client *c5;

/* Not under test: dom0 makes domain 5's home and introduces it. */
static void prepare(void)
{
    h_make_home(5);
    c5 = h_domu(5);
}

static void scenario(void)
{
    struct xs_client *c0 = h_dom0();
    const char *ro[] = { "n0", "r5" }, *v;
    uint32_t tx, len;

    TOLERATE(xs_write_str(c0, 0, "/a/b/c", "value"), 0);
    TOLERATE(xs_set_perms(c0, 0, "/a", ro, 2), 0, XEN_ENOENT);
    TOLERATE(xs_watch(c0, "/a", "w0"), 0);
    TOLERATE(xs_watch(c5, "data", "w5"), 0);
    TOLERATE(xs_watch(c5, "/a", "spy"), 0);
    TOLERATE(xs_write_str(c5, 0, "data/x/y", "1"), 0);
    TOLERATE(xs_mkdir(c0, 0, "/a/m"), 0);
    TOLERATE(xs_read(c5, 0, "/a/b/c", &v, &len), 0, XEN_ENOENT, XEN_EACCES);
    if (xs_transaction_start(c5, &tx) == 0) {
        TOLERATE(xs_write_str(c5, tx, "data/t", "2"), 0);
        TOLERATE(xs_read(c5, tx, "data/x/y", &v, &len), 0, XEN_ENOENT);
        TOLERATE(xs_rm(c5, tx, "data/x"), 0);
        TOLERATE(xs_transaction_end(c5, tx, true), 0, XEN_ENOENT);
    }
    TOLERATE(xs_directory(c0, 0, "/local/domain/5/data", &v, &len), 0);
    TOLERATE(xs_get_perms(c0, 0, "/a", &v, &len), 0, XEN_ENOENT);
    TOLERATE(xs_rm(c0, 0, "/a"), 0);
    TOLERATE(xs_unwatch(c0, "/a", "w0"), 0, XEN_ENOENT);
    TOLERATE(xs_client_request(c0, XS_GET_DOMAIN_PATH, 0, "5", 2, NULL), 0);
    xs_client_pump(c0);
    xs_client_pump(c5);
}

/* Still works, still counts right. */
static void check_store(void)
{
    struct xs_stats st;

    xs_store_stats(h_store, &st);
    assert_int_equal(h_count_nodes("/"), st.nodes);
    assert_int_equal(xs_write_str(h_dom0(), 0, "/after", "ok"), 0);
    h_read_is(h_dom0(), "/after", "ok");
    assert_int_equal(xs_write_str(c5, 0, "data/after", "ok"), 0);
    h_read_is(c5, "data/after", "ok");
    xs_store_stats(h_store, &st);
    assert_int_equal(h_count_nodes("/"), st.nodes);
}

/* One run with allocation fail_at (0: none) failing; the number of allocations it made. */
static long run_once(long fail_at)
{
    long calls;

    fi_live = 0;
    fi_fail_at = 0;
    h_setup(NULL);
    prepare();
    fi_calls = 0;
    fi_fail_at = fail_at;
    scenario();
    calls = fi_calls;
    fi_fail_at = 0;
    check_store();
    h_teardown(NULL);
    if (fi_live != 0)
        fail_msg("%ld allocations not freed with allocation %ld failing", fi_live, fail_at);
    return calls;
}

static void test_every_allocation_may_fail(void **state)
{
    long total = run_once(0);

    assert_true(total > 100);           /* the scenario does allocate */
    for (long n = 1; n <= total; n++)
        run_once(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_may_fail),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
