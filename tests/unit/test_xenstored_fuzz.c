/*
 * xenstored against random requests: tens of thousands of messages of
 * random types, transaction ids and payloads built from path pieces (valid
 * and not), permission strings, numbers and junk, from two unprivileged
 * domains (byte streams, split at random) and from dom0 (its ring). Every
 * reply must be well formed (the request's type or XS_ERROR with one of
 * Xen's error names, the request's req_id) and the store must stay
 * consistent: its node count matches a walk of the tree, and it still
 * serves everyone. Deterministic (fixed seeds).
 * SOURCES: dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return n ? (uint32_t)(rng_state >> 33) % n : 0;
}

static const char *const pieces[] = {
    "a", "b", "data", "local", "domain", "5", "6", "0", "x-y_z", "@introduceDomain",
    "@releaseDomain", "ctl", "device", "vif", "state",
};
static const char *const bad_pieces[] = { "..", "", " ", "a b", "\xff", "a.b", "\x01" };

static const char *random_piece(void)
{
    return rnd(10) ? pieces[rnd(ARRAY_SIZE(pieces))] : bad_pieces[rnd(ARRAY_SIZE(bad_pieces))];
}

static const char *const perm_words[] = { "n5", "r6", "b0", "w5", "n0", "x1", "r", "r99999", "b6" };

/*
 * A random path: absolute or relative, valid or not; half of them inside
 * the sender's data/ directory, where a domain may write.
 */
static size_t random_path(char *buf, size_t room)
{
    size_t n = 0;
    int parts = (int)rnd(6);

    if (rnd(2))
        n += (size_t)snprintf(buf, room, "data%s", parts ? "/" : "");
    else if (rnd(4))
        buf[n++] = '/';
    for (int i = 0; i < parts && n + 40 < room; i++) {
        n += (size_t)snprintf(buf + n, room - n, "%s%s", i ? "/" : "", random_piece());
    }
    if (rnd(16) == 0 && n + 2 < room)
        buf[n++] = '/';
    return n;
}

/* Append a string (and its NUL, mostly) to buf[*n]. */
static void put_word(char *buf, uint32_t *n, uint32_t room, const char *w)
{
    *n += (uint32_t)snprintf(buf + *n, room - *n, "%s", w);
    if (rnd(8) && *n < room)
        buf[(*n)++] = '\0';
}

/* A payload shaped for type most of the time, anything otherwise; its length. */
static uint32_t random_payload(uint32_t type, char *buf, uint32_t room)
{
    uint32_t n = 0, words = rnd(4);
    char num[16];

    if (rnd(10) == 0) {                 /* pure junk */
        uint32_t len = rnd(room);

        for (uint32_t i = 0; i < len; i++)
            buf[i] = (char)rnd(256);
        return len;
    }
    if (type == XS_TRANSACTION_START || type == XS_RESET_WATCHES) {
        buf[0] = '\0';
        return 1;
    }
    if (type == XS_TRANSACTION_END) {
        put_word(buf, &n, room, rnd(4) ? (rnd(2) ? "T" : "F") : "X");
        return n;
    }
    if (type == XS_GET_DOMAIN_PATH) {
        snprintf(num, sizeof(num), "%u", rnd(3) ? rnd(10) : rnd(0xffffffffu));
        put_word(buf, &n, room, num);
        return n;
    }
    n += (uint32_t)random_path(buf, room - 64);
    buf[n++] = '\0';
    if (rnd(4))                         /* the right number of arguments */
        words = type == XS_SET_PERMS ? 1 + rnd(3) :
                type == XS_WATCH || type == XS_UNWATCH || type == XS_DIRECTORY_PART ? 1 : 0;
    for (uint32_t w = 0; w < words && n + 64 < room; w++) {
        if (type == XS_SET_PERMS) {
            put_word(buf, &n, room, perm_words[rnd(ARRAY_SIZE(perm_words))]);
        } else if (type == XS_DIRECTORY_PART) {
            snprintf(num, sizeof(num), "%u", rnd(3) ? rnd(100) : rnd(0xffffffffu));
            put_word(buf, &n, room, num);
        } else {
            put_word(buf, &n, room, random_piece());
        }
    }
    if (type == XS_WRITE) {             /* the value: small or big */
        uint32_t len = DOM0_MIN(rnd(4) ? rnd(20) : rnd(3000), room - n);

        memset(buf + n, 'v', len);
        n += len;
    }
    return n;
}

static uint32_t random_type(void)
{
    static const uint32_t common[] = {
        XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_DIRECTORY, XS_GET_PERMS, XS_SET_PERMS,
        XS_WATCH, XS_UNWATCH, XS_TRANSACTION_START, XS_TRANSACTION_END, XS_DIRECTORY_PART,
        XS_RESET_WATCHES, XS_GET_DOMAIN_PATH,
    };

    switch (rnd(20)) {
    case 0:
        return rnd(XS_TYPE_COUNT + 3);
    case 1:
        return rnd(0xffffffffu);
    default:
        return common[rnd(ARRAY_SIZE(common))];
    }
}

static uint32_t random_tx(void)
{
    switch (rnd(16)) {
    case 0:
    case 1:
        return 1 + rnd(4);              /* often a live transaction */
    case 2:
        return rnd(0xffffffffu);
    default:
        return 0;
    }
}

static bool known_error(const char *name)
{
    static const char *const names[] = {
        "EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO",
        "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM",
    };

    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* Every reply queued on c is well formed; the one for req came. */
static void check_replies(struct xs_conn *c, uint32_t type, uint32_t req)
{
    static char buf[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg hdr;
    bool answered = false;

    while (raw_recv(c, &hdr, buf)) {
        if (hdr.type == XS_WATCH_EVENT) {
            assert_int_equal(hdr.req_id, 0);
            continue;
        }
        assert_int_equal(hdr.req_id, req);
        answered = true;
        if (hdr.type == XS_ERROR) {
            if (!known_error(buf))
                fail_msg("unknown error '%s' for type %u", buf, type);
            assert_int_equal(hdr.len, strlen(buf) + 1);
        } else {
            assert_int_equal(hdr.type, type);
        }
    }
    if (!answered)
        fail_msg("no reply for type %u req %u", type, req);
}

/* Send one message in random pieces. */
static void feed_split(struct xs_conn *c, const char *msg, size_t len)
{
    while (len) {
        size_t n = 1 + rnd((uint32_t)len);

        xs_conn_feed(c, msg, n);
        msg += n;
        len -= n;
    }
}

static void check_consistent(void)
{
    struct xs_stats st;

    xs_store_stats(h_store, &st);
    assert_int_equal(h_count_nodes("/"), st.nodes);
    assert_int_equal(xs_write_str(h_dom0(), 0, "/fuzz-alive", "yes"), 0);
    h_read_is(h_dom0(), "/fuzz-alive", "yes");
}

static void fuzz(uint64_t seed, int messages)
{
    struct xs_conn *c[2];
    char *msg = malloc(sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 64);
    uint32_t req = 1;

    rng_state = seed;
    h_make_home(5);
    h_make_home(6);
    c[0] = xs_conn_stream(h_store, 5);
    c[1] = xs_conn_stream(h_store, 6);
    for (int i = 0; i < messages; i++) {
        uint32_t type = random_type();
        char *payload = msg + sizeof(struct xsd_sockmsg);
        uint32_t len = random_payload(type, payload, XENSTORE_PAYLOAD_MAX);
        struct xsd_sockmsg hdr = { type, ++req, random_tx(), len };

        if (rnd(3) == 0) {
            /* dom0, through its client and ring (framing is the client's). */
            int rc = xs_client_request(h_dom0(), type == XS_WATCH_EVENT ? XS_READ : type,
                                       hdr.tx_id, payload, len, NULL);

            assert_true(rc >= 0);
            xs_client_pump(h_dom0());
            while (xs_next_event(h_dom0(), &(const char *){ 0 }, &(const char *){ 0 }))
                ;
        } else {
            struct xs_conn *to = c[rnd(2)];

            memcpy(msg, &hdr, sizeof(hdr));
            feed_split(to, msg, sizeof(hdr) + len);
            check_replies(to, type, req);
        }
        if (i % 2000 == 1999)
            check_consistent();
    }
    check_consistent();
    xs_conn_close(c[0]);
    xs_conn_close(c[1]);
    free(msg);
}

static void test_fuzz_seed1(void **state)
{
    fuzz(1, 20000);
}

static void test_fuzz_seed2(void **state)
{
    fuzz(0x5ab1e, 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fuzz_seed1, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_fuzz_seed2, h_setup, h_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
