/*
 * xenstored: watches (first event, subtree and exact matches, relative
 * paths, permissions, special @-events, quota, reset) and transactions
 * (isolation, commit, abort, conflicts -> EAGAIN, events at commit only,
 * atomic failure, errors and quotas).
 * SOURCES: dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"

static void test_watch_basics(void **state)
{
    struct xs_client *c = h_dom0();

    assert_int_equal(xs_watch(c, "/w", "tok"), 0);
    h_event_is(c, "/w", "tok");                     /* fired once right away */
    h_no_event(c);
    assert_int_equal(xs_write_str(c, 0, "/w", "1"), 0);
    h_event_is(c, "/w", "tok");
    assert_int_equal(xs_write_str(c, 0, "/w/a/b", "2"), 0);
    h_event_is(c, "/w/a/b", "tok");                 /* one event per change */
    h_no_event(c);
    assert_int_equal(xs_write_str(c, 0, "/wx", "3"), 0);   /* a sibling, not below */
    assert_int_equal(xs_write_str(c, 0, "/", ""), 0);      /* above */
    h_no_event(c);
    assert_int_equal(xs_mkdir(c, 0, "/w/a"), 0);           /* exists: no change */
    h_no_event(c);
    assert_int_equal(xs_mkdir(c, 0, "/w/m"), 0);
    h_event_is(c, "/w/m", "tok");
    /* A second token on the same path fires separately. */
    assert_int_equal(xs_watch(c, "/w", "two"), 0);
    h_event_is(c, "/w", "two");
    assert_int_equal(xs_watch(c, "/w", "two"), XEN_EEXIST);
    assert_int_equal(xs_write_str(c, 0, "/w", "4"), 0);
    h_event_is(c, "/w", "tok");
    h_event_is(c, "/w", "two");
    assert_int_equal(xs_unwatch(c, "/w", "tok"), 0);
    assert_int_equal(xs_unwatch(c, "/w", "tok"), XEN_ENOENT);
    assert_int_equal(xs_unwatch(c, "/nowhere", "two"), XEN_ENOENT);
    assert_int_equal(xs_write_str(c, 0, "/w", "5"), 0);
    h_event_is(c, "/w", "two");
    h_no_event(c);
    assert_int_equal(xs_watch(c, "/a//b", "t"), XEN_EINVAL);
    assert_int_equal(xs_unwatch(c, "/a/", "t"), XEN_EINVAL);
}

/* rm fires for the removed node's watchers above it and for each node removed. */
static void test_watch_rm(void **state)
{
    struct xs_client *c = h_dom0();

    assert_int_equal(xs_write_str(c, 0, "/t/a/b", "1"), 0);
    assert_int_equal(xs_watch(c, "/t", "top"), 0);
    assert_int_equal(xs_watch(c, "/t/a/b", "leaf"), 0);
    assert_int_equal(xs_watch(c, "/t/a/b/never", "ghost"), 0);
    h_drain_events(c);
    assert_int_equal(xs_rm(c, 0, "/t/a"), 0);
    h_event_is(c, "/t/a", "top");
    h_event_is(c, "/t/a/b", "leaf");
    h_no_event(c);                      /* ghost: no such node was removed */
    assert_int_equal(xs_rm(c, 0, "/t/a"), 0);       /* nothing there: nothing fires */
    h_no_event(c);
}

static void test_watch_relative(void **state)
{
    struct xs_client *c5;

    h_make_home(5);
    c5 = h_domu(5);
    assert_int_equal(xs_watch(c5, "data", "rel"), 0);
    h_event_is(c5, "data", "rel");
    assert_int_equal(xs_watch(c5, "/local/domain/5/data", "abs"), 0);
    h_event_is(c5, "/local/domain/5/data", "abs");
    assert_int_equal(xs_write_str(c5, 0, "data/x", "1"), 0);
    h_event_is(c5, "data/x", "rel");
    h_event_is(c5, "/local/domain/5/data/x", "abs");
    assert_int_equal(xs_write_str(h_dom0(), 0, "/local/domain/5/data/y", "dom0 wrote"), 0);
    h_event_is(c5, "data/y", "rel");                /* changes by others fire too */
    h_event_is(c5, "/local/domain/5/data/y", "abs");
    assert_int_equal(xs_unwatch(c5, "data", "rel"), 0);
    /* Paths compare canonical, as in Xen: either spelling removes either watch. */
    assert_int_equal(xs_unwatch(c5, "data", "abs"), 0);
    assert_int_equal(xs_unwatch(c5, "/local/domain/5/data", "rel"), XEN_ENOENT);
}

/* Events only reach watchers that may read the node (or its parent). */
static void test_watch_permissions(void **state)
{
    struct xs_client *c5, *c6;
    const char *share[] = { "n5", "r6" };

    h_make_home(5);
    h_make_home(6);
    c5 = h_domu(5);
    c6 = h_domu(6);
    assert_int_equal(xs_watch(c6, "/local/domain/5", "spy"), 0);
    h_event_is(c6, "/local/domain/5", "spy");       /* the first one always */
    assert_int_equal(xs_watch(c6, "/", "all"), 0);
    h_event_is(c6, "/", "all");
    assert_int_equal(xs_watch(h_dom0(), "/", "dom0"), 0);
    h_drain_events(h_dom0());
    assert_int_equal(xs_write_str(c5, 0, "data/secret/x", "1"), 0);
    h_no_event(c6);
    h_event_is(h_dom0(), "/local/domain/5/data/secret/x", "dom0");
    /* Shared with 6: now it sees changes to the node. */
    assert_int_equal(xs_set_perms(c5, 0, "data/secret/x", share, 2), 0);
    h_event_is(c6, "/local/domain/5/data/secret/x", "spy");
    h_event_is(c6, "/local/domain/5/data/secret/x", "all");
    assert_int_equal(xs_write_str(c5, 0, "data/secret/x", "2"), 0);
    h_event_is(c6, "/local/domain/5/data/secret/x", "spy");
    h_event_is(c6, "/local/domain/5/data/secret/x", "all");
    /* Taken back: the change that takes it away is still seen, then nothing. */
    assert_int_equal(xs_set_perms(c5, 0, "data/secret/x", share, 1), 0);
    h_event_is(c6, "/local/domain/5/data/secret/x", "spy");
    h_event_is(c6, "/local/domain/5/data/secret/x", "all");
    assert_int_equal(xs_write_str(c5, 0, "data/secret/x", "3"), 0);
    h_no_event(c6);
}

static void test_watch_special(void **state)
{
    struct xs_client *c5;

    assert_int_equal(xs_watch(h_dom0(), "@introduceDomain", "in"), 0);
    assert_int_equal(xs_watch(h_dom0(), "@releaseDomain", "out"), 0);
    h_event_is(h_dom0(), "@introduceDomain", "in");
    h_event_is(h_dom0(), "@releaseDomain", "out");
    c5 = h_domu(5);
    h_event_is(h_dom0(), "@introduceDomain", "in");
    assert_int_equal(xs_watch(c5, "@introduceDomain", "peek"), 0);
    h_event_is(c5, "@introduceDomain", "peek");
    h_domu(6);
    h_event_is(h_dom0(), "@introduceDomain", "in");
    h_no_event(c5);                                 /* for privileged domains only */
    assert_int_equal(xs_client_request(h_dom0(), XS_RELEASE, 0, "6", 2, NULL), 0);
    h_event_is(h_dom0(), "@releaseDomain", "out");
    h_no_event(h_dom0());
}

static void test_watch_quota_and_reset(void **state)
{
    struct xs_client *c5;
    char path[32];

    h_make_home(5);
    c5 = h_domu(5);
    xs_store_quota(h_store)->watches = 3;
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "data/w%d", i);
        assert_int_equal(xs_watch(c5, path, "t"), 0);
    }
    assert_int_equal(xs_watch(c5, "data/w3", "t"), XEN_ENOSPC);
    for (int i = 0; i < 5; i++) {                   /* not for dom0 */
        snprintf(path, sizeof(path), "/x%d", i);
        assert_int_equal(xs_watch(h_dom0(), path, "t"), 0);
    }
    assert_int_equal(xs_client_request(c5, XS_RESET_WATCHES, 0, "", 1, NULL), 0);
    h_drain_events(c5);
    assert_int_equal(xs_write_str(c5, 0, "data/w0", "x"), 0);
    h_no_event(c5);
    assert_int_equal(xs_watch(c5, "data/w3", "t"), 0);
}

/* A client that does not read its events loses the excess, and nobody else suffers. */
static void test_watch_flood_dropped(void **state)
{
    struct xs_client *c5;
    struct xs_stats st;
    char path[64];

    h_make_home(5);
    c5 = h_domu(5);
    xs_store_quota(h_store)->out_bytes = 2048;
    assert_int_equal(xs_watch(c5, "/", "all"), 0);
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof(path), "/local/domain/5/data/n%d", i);
        assert_int_equal(xs_write_str(h_dom0(), 0, path, "x"), 0);
    }
    xs_store_stats(h_store, &st);
    assert_true(st.events_dropped > 100);
    h_read_is(h_dom0(), path, "x");                 /* dom0 carries on */
}

static void test_tx_isolation_commit(void **state)
{
    struct xs_client *c = h_dom0();
    const char *v;
    uint32_t tx, len;

    assert_int_equal(xs_write_str(c, 0, "/base", "old"), 0);
    assert_int_equal(xs_transaction_start(c, &tx), 0);
    assert_true(tx != 0);
    assert_int_equal(xs_write_str(c, tx, "/base", "new"), 0);
    assert_int_equal(xs_write_str(c, tx, "/tx/made", "here"), 0);
    /* Outside: nothing yet. Inside: everything. */
    h_read_is(c, "/base", "old");
    assert_int_equal(xs_read(c, 0, "/tx/made", &v, &len), XEN_ENOENT);
    assert_int_equal(xs_read(c, tx, "/base", &v, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "new", 3);
    h_dir_is(c, tx, "/tx", "made");
    h_dir_is(c, tx, "/", "base tx");
    h_dir_is(c, 0, "/", "base");
    assert_int_equal(xs_rm(c, tx, "/base"), 0);
    assert_int_equal(xs_read(c, tx, "/base", &v, &len), XEN_ENOENT);
    h_read_is(c, "/base", "old");
    assert_int_equal(xs_transaction_end(c, tx, true), 0);
    assert_int_equal(xs_read(c, 0, "/base", &v, &len), XEN_ENOENT);
    h_read_is(c, "/tx/made", "here");
    /* The id is gone. */
    assert_int_equal(xs_transaction_end(c, tx, true), XEN_ENOENT);
    assert_int_equal(xs_read(c, tx, "/tx/made", &v, &len), XEN_ENOENT);
}

static void test_tx_abort(void **state)
{
    struct xs_client *c = h_dom0();
    const char *v;
    uint32_t tx, len;
    struct xs_stats st;

    assert_int_equal(xs_transaction_start(c, &tx), 0);
    assert_int_equal(xs_write_str(c, tx, "/gone/a", "x"), 0);
    assert_int_equal(xs_transaction_end(c, tx, false), 0);
    assert_int_equal(xs_read(c, 0, "/gone", &v, &len), XEN_ENOENT);
    xs_store_stats(h_store, &st);
    assert_int_equal(st.transactions, 0);
    assert_int_equal(st.nodes, 1);
}

static void test_tx_conflicts(void **state)
{
    struct xs_client *c = h_dom0(), *c5;
    const char *v;
    uint32_t tx, len;

    h_make_home(5);
    c5 = h_domu(5);
    assert_int_equal(xs_write_str(c5, 0, "data/a", "1"), 0);
    assert_int_equal(xs_write_str(c5, 0, "data/b", "1"), 0);
    /* Read, then someone else writes it: EAGAIN, and nothing of the transaction lands. */
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_read(c5, tx, "data/a", &v, &len), 0);
    assert_int_equal(xs_write_str(c5, tx, "data/b", "from-tx"), 0);
    assert_int_equal(xs_write_str(c, 0, "/local/domain/5/data/a", "2"), 0);
    assert_int_equal(xs_transaction_end(c5, tx, true), XEN_EAGAIN);
    h_read_is(c5, "data/b", "1");
    /* Changes elsewhere do not conflict. */
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_read(c5, tx, "data/a", &v, &len), 0);
    assert_int_equal(xs_write_str(c5, tx, "data/b", "from-tx"), 0);
    assert_int_equal(xs_write_str(c, 0, "/elsewhere", "x"), 0);
    assert_int_equal(xs_write_str(c, 0, "/local/domain/5/data/c", "x"), 0);
    assert_int_equal(xs_transaction_end(c5, tx, true), 0);
    h_read_is(c5, "data/b", "from-tx");
    /* Seen absent, then created by someone else: conflict. */
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_read(c5, tx, "data/new", &v, &len), XEN_ENOENT);
    assert_int_equal(xs_write_str(c, 0, "/local/domain/5/data/new", "x"), 0);
    assert_int_equal(xs_transaction_end(c5, tx, true), XEN_EAGAIN);
    /* Two creations under one parent: the parent changed under the transaction. */
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_write_str(c5, tx, "data/dir/x", "tx"), 0);
    assert_int_equal(xs_write_str(c5, 0, "data/dir/y", "outside"), 0);
    assert_int_equal(xs_transaction_end(c5, tx, true), XEN_EAGAIN);
    assert_int_equal(xs_read(c5, 0, "data/dir/x", &v, &len), XEN_ENOENT);
    /* Removed under the transaction. */
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_write_str(c5, tx, "data/dir/y", "tx"), 0);
    assert_int_equal(xs_rm(c, 0, "/local/domain/5/data/dir"), 0);
    assert_int_equal(xs_transaction_end(c5, tx, true), XEN_EAGAIN);
    assert_int_equal(xs_read(c5, 0, "data/dir", &v, &len), XEN_ENOENT);
}

/* Watches fire for a transaction's changes at commit, not before, not on abort. */
static void test_tx_events_at_commit(void **state)
{
    struct xs_client *c = h_dom0();
    uint32_t tx;

    assert_int_equal(xs_watch(c, "/e", "w"), 0);
    h_drain_events(c);
    assert_int_equal(xs_transaction_start(c, &tx), 0);
    assert_int_equal(xs_write_str(c, tx, "/e/1", "a"), 0);
    assert_int_equal(xs_write_str(c, tx, "/e/2", "b"), 0);
    h_no_event(c);
    assert_int_equal(xs_transaction_end(c, tx, true), 0);
    h_event_is(c, "/e/1", "w");
    h_event_is(c, "/e/2", "w");
    h_no_event(c);
    assert_int_equal(xs_transaction_start(c, &tx), 0);
    assert_int_equal(xs_write_str(c, tx, "/e/3", "c"), 0);
    assert_int_equal(xs_transaction_end(c, tx, false), 0);
    h_no_event(c);
}

/* Linux's shutdown handshake (drivers/xen/manage.c): read, acknowledge, commit. */
static void test_tx_shutdown_handshake(void **state)
{
    struct xs_client *c5;
    const char *v, *rw[] = { "n5" };
    uint32_t tx, len;

    h_make_home(5);
    assert_int_equal(xs_mkdir(h_dom0(), 0, "/local/domain/5/control/shutdown"), 0);
    assert_int_equal(xs_set_perms(h_dom0(), 0, "/local/domain/5/control/shutdown", rw, 1), 0);
    c5 = h_domu(5);
    assert_int_equal(xs_watch(c5, "control/shutdown", "shutdown"), 0);
    h_event_is(c5, "control/shutdown", "shutdown");
    assert_int_equal(xs_write_str(h_dom0(), 0, "/local/domain/5/control/shutdown", "poweroff"), 0);
    h_event_is(c5, "control/shutdown", "shutdown");
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_read(c5, tx, "control/shutdown", &v, &len), 0);
    assert_int_equal(len, 8);
    assert_memory_equal(v, "poweroff", 8);
    assert_int_equal(xs_write_str(c5, tx, "control/shutdown", ""), 0);
    assert_int_equal(xs_transaction_end(c5, tx, true), 0);
    h_read_is(h_dom0(), "/local/domain/5/control/shutdown", "");
}

static void test_tx_errors(void **state)
{
    struct xs_client *c = h_dom0(), *c5;
    uint32_t tx, tx2, ids[10];

    assert_int_equal(xs_transaction_start(c, &tx), 0);
    /* No nesting; unknown ids; bad end arguments. */
    assert_int_equal(xs_client_request(c, XS_TRANSACTION_START, tx, "", 1, NULL), XEN_EBUSY);
    assert_int_equal(xs_client_request(c, XS_TRANSACTION_START, tx + 100, "", 1, NULL),
                     XEN_ENOENT);
    assert_int_equal(xs_write_str(c, tx + 100, "/x", "1"), XEN_ENOENT);
    assert_int_equal(xs_client_request(c, XS_TRANSACTION_END, tx, "X", 2, NULL), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_TRANSACTION_END, tx, "TT", 3, NULL), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_TRANSACTION_END, tx, "T", 1, NULL), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_TRANSACTION_END, 0, "T", 2, NULL), XEN_ENOENT);
    assert_int_equal(xs_transaction_start(c, &tx2), 0);
    assert_true(tx2 != tx);
    assert_int_equal(xs_transaction_end(c, tx, false), 0);
    assert_int_equal(xs_transaction_end(c, tx2, false), 0);
    /* Watches ignore the transaction id, as in Xen. */
    assert_int_equal(xs_client_request(c, XS_WATCH, 12345, "/w\0t", 5, NULL), 0);
    /* Quota: ten open transactions per domU. */
    h_make_home(5);
    c5 = h_domu(5);
    for (int i = 0; i < 10; i++)
        assert_int_equal(xs_transaction_start(c5, &ids[i]), 0);
    assert_int_equal(xs_transaction_start(c5, &tx), XEN_ENOSPC);
    assert_int_equal(xs_transaction_end(c5, ids[3], false), 0);
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    /* Transactions belong to their connection. */
    assert_int_equal(xs_transaction_end(c, tx, false), XEN_ENOENT);
}

/* A transaction may touch quota.tx_nodes nodes (domU). */
static void test_tx_node_quota(void **state)
{
    struct xs_client *c5;
    uint32_t tx;
    char path[32];

    h_make_home(5);
    c5 = h_domu(5);
    xs_store_quota(h_store)->tx_nodes = 6;
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    /* data (touched as parent) + d0..d4 = 6 */
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "data/d%d", i);
        assert_int_equal(xs_write_str(c5, tx, path, "x"), 0);
    }
    assert_int_equal(xs_write_str(c5, tx, "data/d5", "x"), XEN_ENOSPC);
    assert_int_equal(xs_transaction_end(c5, tx, true), 0);
    h_read_is(c5, "data/d4", "x");
}

/* A commit that breaks a quota fails whole. */
static void test_tx_commit_atomic(void **state)
{
    struct xs_client *c5;
    const char *v;
    uint32_t tx, len;
    struct xs_stats before, after;

    h_make_home(5);
    c5 = h_domu(5);
    xs_store_quota(h_store)->nodes = 5;             /* data + 4 */
    assert_int_equal(xs_write_str(c5, 0, "data/a/x", "1"), 0);
    assert_int_equal(xs_transaction_start(c5, &tx), 0);
    assert_int_equal(xs_write_str(c5, tx, "data/a/y", "2"), 0);
    assert_int_equal(xs_write_str(c5, tx, "data/a/z", "3"), 0);
    /* Meanwhile, elsewhere (no conflict), the domain uses up its quota. */
    assert_int_equal(xs_write_str(c5, 0, "data/other", "4"), 0);
    xs_store_stats(h_store, &before);
    assert_int_equal(xs_transaction_end(c5, tx, true), XEN_ENOSPC);
    xs_store_stats(h_store, &after);
    assert_int_equal(after.nodes, before.nodes);
    assert_int_equal(xs_read(c5, 0, "data/a/y", &v, &len), XEN_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_watch_basics, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_watch_rm, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_watch_relative, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_watch_permissions, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_watch_special, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_watch_quota_and_reset, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_watch_flood_dropped, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_isolation_commit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_abort, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_conflicts, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_events_at_commit, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_shutdown_handshake, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_errors, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_node_quota, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tx_commit_atomic, h_setup, h_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
