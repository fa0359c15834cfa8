/*
 * xenstored: the wire and the rings. Malformed messages (unknown types,
 * bad payloads, oversized lengths, split delivery), privileged requests
 * from domUs, hostile ring indices and reconnection, flooding clients
 * (throttled, never stalling others, fair turns), domain introduction and
 * release with their failures, and everything given back afterwards.
 * SOURCES: dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"

static void test_unknown_types(void **state)
{
    struct xs_conn *c = xs_conn_stream(h_store, 3);
    static const uint32_t types[] = {
        20, XS_TYPE_COUNT, XS_TYPE_COUNT + 1, 0x1000, XS_INVALID, 0xffffffffu,
        XS_WATCH_EVENT, XS_ERROR, XS_GET_FEATURE, XS_SET_QUOTA,
    };

    assert_non_null(c);
    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        raw_expect_error(c, types[i], 0, "/x", 3, "ENOSYS");
    xs_conn_close(c);
}

static void test_privileged_only(void **state)
{
    struct xs_conn *c = xs_conn_stream(h_store, 3);
    static const uint32_t types[] = {
        XS_INTRODUCE, XS_RELEASE, XS_IS_DOMAIN_INTRODUCED, XS_CONTROL, XS_RESUME,
        XS_SET_TARGET,
    };

    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        raw_expect_error(c, types[i], 0, "3\0" "4096\0" "1", 9, "EACCES");
    xs_conn_close(c);
    /* dom0 gets past the check; the ones not offered then say so. */
    assert_int_equal(xs_client_request(h_dom0(), XS_CONTROL, 0, "print\0x", 8, NULL),
                     XEN_ENOSYS);
    assert_int_equal(xs_client_request(h_dom0(), XS_RESUME, 0, "3", 2, NULL), XEN_ENOSYS);
    assert_int_equal(xs_client_request(h_dom0(), XS_SET_TARGET, 0, "3\0" "4", 4, NULL),
                     XEN_ENOSYS);
    assert_null(xs_conn_stream(h_store, 0));        /* dom0 has its ring connection */
}

static void test_bad_payloads(void **state)
{
    struct xs_conn *c = xs_conn_stream(h_store, 3);

    raw_expect_error(c, XS_READ, 0, "", 0, "EINVAL");               /* no string */
    raw_expect_error(c, XS_READ, 0, "/a", 2, "EINVAL");             /* no NUL */
    raw_expect_error(c, XS_READ, 0, "/a\0/b", 6, "EINVAL");         /* two strings */
    raw_expect_error(c, XS_DIRECTORY, 0, "/a\0x", 4, "EINVAL");     /* junk after it */
    raw_expect_error(c, XS_WRITE, 0, "/abc", 4, "EINVAL");          /* path without NUL */
    raw_expect_error(c, XS_MKDIR, 0, "\0", 1, "EINVAL");            /* empty path */
    raw_expect_error(c, XS_WATCH, 0, "/a", 3, "EINVAL");            /* no token */
    raw_expect_error(c, XS_WATCH, 0, "/a\0t\0x", 7, "EINVAL");      /* depth: not offered */
    raw_expect_error(c, XS_UNWATCH, 0, "/a\0", 3, "EINVAL");
    raw_expect_error(c, XS_SET_PERMS, 0, "/a", 3, "EINVAL");        /* no permission */
    raw_expect_error(c, XS_GET_DOMAIN_PATH, 0, "7", 1, "EINVAL");
    raw_expect_error(c, XS_DIRECTORY_PART, 0, "/\0x", 4, "EINVAL");
    raw_expect_error(c, XS_TRANSACTION_END, 0, "T", 2, "ENOENT");
    raw_expect_error(c, XS_READ, 77, "/a", 3, "ENOENT");            /* no such transaction */
    xs_conn_close(c);
}

/* Too long: the payload is skipped, E2BIG answered, and the stream stays in step. */
static void test_oversized(void **state)
{
    struct xs_conn *c = xs_conn_stream(h_store, 3);
    char *junk = calloc(1, 10000);
    struct xsd_sockmsg hdr = { XS_READ, 42, 0, 10000 };
    char buf[XENSTORE_PAYLOAD_MAX + 1];

    memcpy(junk + 9000, "\x02\0\0\0", 4);           /* looks like a header: must be skipped */
    xs_conn_feed(c, &hdr, sizeof(hdr));
    xs_conn_feed(c, junk, 10000);
    assert_true(raw_recv(c, &hdr, buf));
    assert_int_equal(hdr.type, XS_ERROR);
    assert_int_equal(hdr.req_id, 42);
    assert_string_equal(buf, "E2BIG");
    assert_false(raw_recv(c, &hdr, buf));
    raw_send(c, XS_GET_DOMAIN_PATH, 43, 0, "3", 2);
    assert_true(raw_recv(c, &hdr, buf));
    assert_int_equal(hdr.type, XS_GET_DOMAIN_PATH);
    assert_int_equal(hdr.req_id, 43);
    assert_string_equal(buf, "/local/domain/3");
    /* Exactly XENSTORE_PAYLOAD_MAX is fine. */
    memset(junk, 'v', XENSTORE_PAYLOAD_MAX);
    memcpy(junk, "/big", 5);
    assert_int_equal(xs_write(h_dom0(), 0, "/big", junk + 5, XENSTORE_PAYLOAD_MAX - 5), 0);
    free(junk);
    xs_conn_close(c);
}

/* Bytes may come one at a time; replies echo req_id and tx_id. */
static void test_split_delivery(void **state)
{
    struct xs_conn *c = xs_conn_stream(h_store, 3);
    struct xsd_sockmsg hdr = { XS_GET_DOMAIN_PATH, 7, 0, 3 };
    char msg[sizeof(hdr) + 3], buf[XENSTORE_PAYLOAD_MAX + 1];

    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), "12", 3);
    for (size_t i = 0; i < sizeof(msg); i++) {
        assert_false(raw_recv(c, &hdr, buf));
        xs_conn_feed(c, msg + i, 1);
    }
    assert_true(raw_recv(c, &hdr, buf));
    assert_int_equal(hdr.req_id, 7);
    assert_string_equal(buf, "/local/domain/12");
    xs_conn_close(c);
}

/* A reply larger than the 1 KiB ring reaches the client in pieces. */
static void test_big_reply_over_ring(void **state)
{
    struct xs_client *c5;
    char *big = malloc(XENSTORE_PAYLOAD_MAX);
    const char *v, *rw[] = { "b5" };
    uint32_t len;

    memset(big, 'q', XENSTORE_PAYLOAD_MAX);
    assert_int_equal(xs_write(h_dom0(), 0, "/shared", big, 4000), 0);
    assert_int_equal(xs_set_perms(h_dom0(), 0, "/shared", rw, 1), 0);
    c5 = h_domu(5);
    assert_int_equal(xs_read(c5, 0, "/shared", &v, &len), 0);
    assert_int_equal(len, 4000);
    assert_memory_equal(v, big, 4000);
    assert_int_equal(xs_write(c5, 0, "/shared", big + 1, 2000), 0);   /* requests too */
    assert_int_equal(xs_read(h_dom0(), 0, "/shared", &v, &len), 0);
    assert_int_equal(len, 2000);
    assert_memory_equal(v, big + 1, 2000);
    free(big);
}

/* Impossible indices: the ring is marked and dropped; others carry on; reconnection revives it. */
static void test_hostile_indices(void **state)
{
    struct xs_client *c5 = h_domu(5), *c6 = h_domu(6);
    struct xenstore_domain_interface *r5 = &h_ring[5];
    const char *v;
    uint32_t len;

    assert_int_equal(r5->server_features & XENSTORE_SERVER_FEATURE_RECONNECTION,
                     XENSTORE_SERVER_FEATURE_RECONNECTION);
    r5->req_prod = r5->req_cons + 5000;
    xs_poll(h_store);
    assert_int_equal(r5->error, XENSTORE_ERROR_RINGIDX);
    assert_int_equal(h_notified[5] > 0, true);
    assert_int_equal(xs_read(c5, 0, "/local", &v, &len), XS_CLIENT_EIO);
    assert_int_equal(xs_write_str(c6, 0, "/local/domain/6/x", "y"), XEN_EACCES);  /* served */
    /* Reconnect: queues emptied, error cleared, state dropped. */
    r5->connection = XENSTORE_RECONNECT;
    xs_poll(h_store);
    assert_int_equal(r5->connection, XENSTORE_CONNECTED);
    assert_int_equal(r5->error, XENSTORE_ERROR_NONE);
    assert_int_equal(r5->req_prod, r5->req_cons);
    xs_client_fini(c5);
    h_client_up(5);
    assert_int_equal(xs_read(c5, 0, "/nothing", &v, &len), XEN_EACCES);
    /* The response side: a consumer index ahead of the producer. */
    r5->rsp_cons = r5->rsp_prod + 2000;
    assert_int_equal(xs_read(c5, 0, "/nothing", &v, &len), XS_CLIENT_EIO);
    xs_poll(h_store);                   /* the server meets it writing the reply */
    assert_int_equal(r5->error, XENSTORE_ERROR_RINGIDX);
    h_read_is(h_dom0(), "/", "");
}

/* Put n copies of one request into domain d's ring, as far as they fit. */
static unsigned int stuff_requests(domid_t d, unsigned int n)
{
    struct {
        struct xsd_sockmsg hdr;
        char path[8];
    } msg = { { XS_READ, 1, 0, 7 }, "/nosuch" };
    unsigned int put = 0;

    while (put < n && XENSTORE_RING_SIZE - (h_ring[d].req_prod - h_ring[d].req_cons) >=
                          sizeof(msg.hdr) + 7) {
        assert_int_equal(xs_ring_write_request(&h_ring[d], &msg, sizeof(msg.hdr) + 7),
                         sizeof(msg.hdr) + 7);
        put++;
    }
    return put;
}

/* Replies waiting in domain d's response ring. */
static unsigned int count_replies(domid_t d)
{
    return (h_ring[d].rsp_prod - h_ring[d].rsp_cons) / (sizeof(struct xsd_sockmsg) + 7);
}

/* One poll serves at most quota.burst requests of a connection, and then the others. */
static void test_fair_turns(void **state)
{
    struct xs_client *c6;
    unsigned int queued;

    h_domu(5);
    c6 = h_domu(6);
    queued = stuff_requests(5, 100);
    assert_true(queued > 20);
    xs_poll(h_store);
    assert_int_equal(count_replies(5), 8);          /* "EACCES" replies: 16 + 7 bytes */
    assert_int_equal(xs_mkdir(c6, 0, "/local/domain/6/x"), XEN_EACCES);     /* served */
}

/*
 * A domain that sends requests but never reads replies fills its response
 * ring and its output quota; the server then stops reading from it, while
 * everyone else is served as before.
 */
static void test_flooding_client(void **state)
{
    struct xs_client *c6;
    struct xs_quota *q = xs_store_quota(h_store);
    uint32_t cons_before;

    h_domu(5);
    c6 = h_domu(6);
    q->out_bytes = 4096;
    for (int round = 0; round < 200; round++) {
        stuff_requests(5, 100);
        xs_poll(h_store);
    }
    /* Throttled: unread requests sit in its ring, the server reads no more. */
    cons_before = h_ring[5].req_cons;
    assert_true(h_ring[5].req_prod != h_ring[5].req_cons);
    for (int i = 0; i < 10; i++)
        xs_poll(h_store);
    assert_int_equal(h_ring[5].req_cons, cons_before);
    /* Another domain does not notice. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(xs_mkdir(c6, 0, "/local/domain/6/x"), XEN_EACCES);
    assert_int_equal(xs_mkdir(h_dom0(), 0, "/fine"), 0);
    /* Reading its replies gets it going again. */
    h_ring[5].rsp_cons = h_ring[5].rsp_prod;
    xs_poll(h_store);
    assert_true(h_ring[5].req_cons != cons_before);
}

static void test_introduce_release(void **state)
{
    struct xs_client *c = h_dom0(), *c5;
    struct xs_stats st;
    const char *v;
    uint32_t len;

    assert_int_equal(xs_client_request(c, XS_IS_DOMAIN_INTRODUCED, 0, "5", 2, NULL), 0);
    assert_string_equal(c->reply_data, "F");
    assert_int_equal(xs_client_request(c, XS_IS_DOMAIN_INTRODUCED, 0, "0", 2, NULL), 0);
    assert_string_equal(c->reply_data, "T");
    assert_int_equal(xs_client_request(c, XS_IS_DOMAIN_INTRODUCED, 0, "32752", 6, NULL), 0);
    assert_string_equal(c->reply_data, "T");        /* DOMID_SELF */
    assert_int_equal(xs_client_request(c, XS_IS_DOMAIN_INTRODUCED, 0, "x", 2, NULL),
                     XEN_EINVAL);
    /* Bad arguments and failing plumbing: nothing is left behind. */
    assert_int_equal(h_introduce(0, H_GFN(0), 7), XEN_EINVAL);
    assert_int_equal(h_introduce(32752, 1, 7), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_INTRODUCE, 0, "5\0" "4101\0" "0", 9, NULL),
                     XEN_EINVAL);                   /* port 0 */
    assert_int_equal(xs_client_request(c, XS_INTRODUCE, 0, "5\0" "4101", 7, NULL),
                     XEN_EINVAL);                   /* missing port */
    assert_int_equal(xs_client_request(c, XS_INTRODUCE, 0, "5x\0" "4101\0" "7", 10, NULL),
                     XEN_EINVAL);
    assert_int_equal(h_introduce(5, 0xdead, 7), XEN_EINVAL);       /* cannot map */
    h_fail_bind = true;
    assert_int_equal(h_introduce(5, H_GFN(5), 7), XEN_EINVAL);
    h_fail_bind = false;
    assert_int_equal(h_mapped, 0);
    assert_int_equal(h_bound, 0);
    /* Introduced: served; again: re-bound, still one mapping. */
    c5 = h_domu(5);
    h_read_is(c, "/", "");
    assert_int_equal(xs_read(c5, 0, "/", &v, &len), XEN_EACCES);
    assert_int_equal(h_introduce(5, H_GFN(5), 9), 0);
    assert_int_equal(h_mapped, 1);
    assert_int_equal(h_bound, 1);
    assert_int_equal(xs_client_request(c, XS_IS_DOMAIN_INTRODUCED, 0, "5", 2, NULL), 0);
    assert_string_equal(c->reply_data, "T");
    /* A stream connection for the same domain is refused, so is introducing one. */
    assert_null(xs_conn_stream(h_store, 5));
    assert_non_null(xs_conn_stream(h_store, 6));
    assert_int_equal(h_introduce(6, H_GFN(6), 7), XEN_EEXIST);
    /* Release: unmapped, unbound, its watches and transactions gone, no longer served. */
    assert_int_equal(xs_watch(c5, "/local/domain/5", "w"), 0);
    xs_client_fini(c5);
    h_cl_up[5] = false;
    assert_int_equal(xs_client_request(c, XS_RELEASE, 0, "5", 2, NULL), 0);
    assert_int_equal(h_mapped, 0);
    assert_int_equal(h_bound, 0);
    xs_store_stats(h_store, &st);
    assert_int_equal(st.watches, 0);
    assert_int_equal(xs_client_request(c, XS_RELEASE, 0, "5", 2, NULL), XEN_ENOENT);
    assert_int_equal(xs_client_request(c, XS_RELEASE, 0, "0", 2, NULL), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_RELEASE, 0, "6", 2, NULL), XEN_ENOENT);
    assert_int_equal(xs_client_request(c, XS_IS_DOMAIN_INTRODUCED, 0, "5", 2, NULL), 0);
    assert_string_equal(c->reply_data, "F");
    /* And it may come back. */
    h_domu(5);
}

/* Many domains come and go: connections, watches, transactions, nodes all return. */
static void test_cycles_return_everything(void **state)
{
    struct xs_client *c = h_dom0();
    struct xs_stats st0, st;
    char path[64];

    xs_store_stats(h_store, &st0);
    for (int i = 0; i < 50; i++) {
        struct xs_client *c5;
        uint32_t tx;

        snprintf(path, sizeof(path), "/local/domain/5/data/n%d", i);
        assert_int_equal(xs_write_str(c, 0, path, "x"), 0);
        assert_int_equal(xs_set_perms(c, 0, "/local/domain/5/data", (const char *[]){ "n5" },
                                      1), 0);
        c5 = h_domu(5);
        assert_int_equal(xs_watch(c5, "data", "w"), 0);
        assert_int_equal(xs_transaction_start(c5, &tx), 0);
        assert_int_equal(xs_write_str(c5, tx, "data/t", "y"), 0);
        xs_client_fini(c5);
        h_cl_up[5] = false;
        assert_int_equal(xs_client_request(c, XS_RELEASE, 0, "5", 2, NULL), 0);
        assert_int_equal(xs_rm(c, 0, "/local/domain/5"), 0);
    }
    assert_int_equal(xs_rm(c, 0, "/local"), 0);
    xs_store_stats(h_store, &st);
    assert_int_equal(st.nodes, st0.nodes);
    assert_int_equal(st.connections, st0.connections);
    assert_int_equal(st.watches, 0);
    assert_int_equal(st.transactions, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_types, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_privileged_only, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_bad_payloads, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_oversized, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_split_delivery, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_big_reply_over_ring, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_indices, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_fair_turns, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_flooding_client, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_introduce_release, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_cycles_return_everything, h_setup, h_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
