/*
 * Host harness for xenstored (dom0/xenstored): a store whose domain
 * plumbing (xs_server_ops) is in memory, real clients (dom0/lib/xs_client.c)
 * on ring pages, and raw byte-stream connections for malformed input.
 * Include it in exactly one test file, whose SOURCES line lists
 * XS_HARNESS_SOURCES (below, spelled out there).
 *
 *  - Domains 0..H_DOMAINS-1 each have a ring page h_ring[d]. dom0's
 *    connection is made directly on h_ring[0] (as dom0 does for its own
 *    loopback ring); other domains are introduced by dom0 with
 *    XS_INTRODUCE "<d>\0<0x1000 + d>\0<port>\0", which maps h_ring[d].
 *  - A client "waits" by running the server once (xs_poll); a poll that
 *    moves nothing means no answer is coming (XS_CLIENT_EIO).
 *  - Every map and bind is counted; teardown checks that all came back.
 *
 * SOURCES for tests using it:
 *   dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c
 *   dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c
 *   dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c
 *   dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#ifndef XS_HARNESS_H
#define XS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dom0/libc.h>
#include <dom0/xenstored.h>
#include <dom0/xs_client.h>
#include <dom0/xs_ring.h>
#include "public/errno.h"

/* Each test file uses some of the helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"

#define H_DOMAINS   8
#define H_GFN(d)    (0x1000u + (d))
#define H_PORT(d)   (100 + (d))     /* local port the fake binds for domain d */

static struct xs_store *h_store;
static struct xenstore_domain_interface h_ring[H_DOMAINS];
static struct xs_client h_cl[H_DOMAINS];
static bool h_cl_up[H_DOMAINS];
static int h_mapped, h_bound, h_notified[H_DOMAINS];
static bool h_fail_map, h_fail_bind;

static struct xenstore_domain_interface *h_map(void *priv, domid_t d, uint64_t gfn)
{
    if (h_fail_map || d >= H_DOMAINS || gfn != H_GFN(d))
        return NULL;
    h_mapped++;
    return &h_ring[d];
}

static void h_unmap(void *priv, domid_t d, struct xenstore_domain_interface *intf)
{
    assert_ptr_equal(intf, &h_ring[d]);
    h_mapped--;
}

static int h_bind(void *priv, domid_t d, uint32_t port)
{
    if (h_fail_bind)
        return -1;
    h_bound++;
    return H_PORT(d);
}

static void h_unbind(void *priv, int port)
{
    h_bound--;
}

static void h_notify(void *priv, int port)
{
    if (port == 1)
        h_notified[0]++;
    else if (port >= H_PORT(0) && port < H_PORT(H_DOMAINS))
        h_notified[port - H_PORT(0)]++;
}

static const struct xs_server_ops h_ops = {
    .map_ring = h_map, .unmap_ring = h_unmap,
    .bind_evtchn = h_bind, .unbind_evtchn = h_unbind,
    .notify = h_notify,
};

static void h_kick(void *priv)
{
}

static bool h_wait(void *priv)
{
    return xs_poll(h_store);
}

static const struct xs_client_ops h_client_ops = { .kick = h_kick, .wait = h_wait };

static void h_client_up(domid_t d)
{
    assert_int_equal(xs_client_init(&h_cl[d], &h_ring[d], &h_client_ops), 0);
    h_cl_up[d] = true;
}

static int h_setup(void **state)
{
    memset(h_ring, 0, sizeof(h_ring));
    memset(h_notified, 0, sizeof(h_notified));
    h_mapped = h_bound = 0;
    h_fail_map = h_fail_bind = false;
    h_store = xs_store_create(&h_ops);
    assert_non_null(h_store);
    assert_non_null(xs_conn_ring(h_store, 0, &h_ring[0], 1));
    h_client_up(0);
    return 0;
}

static int h_teardown(void **state)
{
    for (int d = 0; d < H_DOMAINS; d++)
        if (h_cl_up[d]) {
            xs_client_fini(&h_cl[d]);
            h_cl_up[d] = false;
        }
    xs_store_destroy(h_store);
    h_store = NULL;
    assert_int_equal(h_mapped, 0);
    assert_int_equal(h_bound, 0);
    return 0;
}

static struct xs_client *h_dom0(void)
{
    return &h_cl[0];
}

/* dom0 introduces d, as a toolstack would; returns 0 or the error. */
static int h_introduce(domid_t d, uint64_t gfn, uint32_t port)
{
    char payload[64];
    int n = snprintf(payload, sizeof(payload), "%u%c%lu%c%u", d, 0, (unsigned long)gfn, 0,
                     port);

    return xs_client_request(h_dom0(), XS_INTRODUCE, 0, payload, (uint32_t)n + 1, NULL);
}

/* Domain d, introduced, with a client on its ring. */
static struct xs_client *h_domu(domid_t d)
{
    assert_true(d > 0 && d < H_DOMAINS);
    assert_int_equal(h_introduce(d, H_GFN(d), 7), 0);
    h_client_up(d);
    return &h_cl[d];
}

/*
 * The home of domain d as a toolstack makes it: /local/domain/<d> owned by
 * dom0 and readable by d, with name = "guest", and data/ owned by d.
 */
static void h_make_home(domid_t d)
{
    char path[64], rd[16], own[16];
    const char *ro[] = { "n0", rd }, *rw[] = { own };

    snprintf(rd, sizeof(rd), "r%u", d);
    snprintf(own, sizeof(own), "n%u", d);
    snprintf(path, sizeof(path), "/local/domain/%u", d);
    assert_int_equal(xs_mkdir(h_dom0(), 0, path), 0);
    assert_int_equal(xs_set_perms(h_dom0(), 0, path, ro, 2), 0);
    snprintf(path, sizeof(path), "/local/domain/%u/name", d);
    assert_int_equal(xs_write_str(h_dom0(), 0, path, "guest"), 0);
    snprintf(path, sizeof(path), "/local/domain/%u/data", d);
    assert_int_equal(xs_mkdir(h_dom0(), 0, path), 0);
    assert_int_equal(xs_set_perms(h_dom0(), 0, path, rw, 1), 0);
}

static void h_read_is(struct xs_client *c, const char *path, const char *want)
{
    const char *v;
    uint32_t len;

    assert_int_equal(xs_read(c, 0, path, &v, &len), 0);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(v, want, len);
}

/* The children of path, joined by spaces, are want. */
static void h_dir_is(struct xs_client *c, uint32_t tx, const char *path, const char *want)
{
    const char *names;
    uint32_t len;
    char joined[1024] = "";

    assert_int_equal(xs_directory(c, tx, path, &names, &len), 0);
    for (uint32_t off = 0; off < len; off += strlen(names + off) + 1) {
        if (off)
            strcat(joined, " ");
        strcat(joined, names + off);
    }
    assert_string_equal(joined, want);
}

static void h_event_is(struct xs_client *c, const char *path, const char *token)
{
    const char *p, *t;

    xs_client_pump(c);
    assert_true(xs_next_event(c, &p, &t));
    assert_string_equal(p, path);
    assert_string_equal(t, token);
}

static void h_no_event(struct xs_client *c)
{
    const char *p, *t;

    xs_poll(h_store);
    xs_client_pump(c);
    if (xs_next_event(c, &p, &t))
        fail_msg("unexpected event %s %s", p, t);
}

static void h_drain_events(struct xs_client *c)
{
    const char *p, *t;

    xs_poll(h_store);
    xs_client_pump(c);
    while (xs_next_event(c, &p, &t))
        ;
}

/* Nodes at and below path, walked through dom0's client. */
static uint32_t h_count_nodes(const char *path)
{
    const char *names;
    uint32_t len, n = 1;
    char *kids, *child = malloc(XENSTORE_ABS_PATH_MAX + 2);

    assert_int_equal(xs_directory(h_dom0(), 0, path, &names, &len), 0);
    kids = malloc(len + 1);
    memcpy(kids, names, len);
    for (uint32_t off = 0; off < len; off += (uint32_t)strlen(kids + off) + 1) {
        snprintf(child, XENSTORE_ABS_PATH_MAX + 2, "%s/%s", strcmp(path, "/") ? path : "",
                 kids + off);
        n += h_count_nodes(child);
    }
    free(kids);
    free(child);
    return n;
}

/* ---- raw byte streams ---- */

static void raw_send(struct xs_conn *c, uint32_t type, uint32_t req, uint32_t tx,
                     const void *payload, uint32_t len)
{
    struct xsd_sockmsg hdr = { type, req, tx, len };

    xs_conn_feed(c, &hdr, sizeof(hdr));
    if (len)
        xs_conn_feed(c, payload, len);
}

/* The next whole reply (false if none is queued); buf holds XENSTORE_PAYLOAD_MAX + 1. */
static bool raw_recv(struct xs_conn *c, struct xsd_sockmsg *hdr, char *buf)
{
    if (xs_conn_pending(c) < sizeof(*hdr))
        return false;
    assert_int_equal(xs_conn_drain(c, hdr, sizeof(*hdr)), sizeof(*hdr));
    assert_true(hdr->len <= XENSTORE_PAYLOAD_MAX);
    assert_int_equal(xs_conn_drain(c, buf, hdr->len), hdr->len);
    buf[hdr->len] = '\0';
    return true;
}

/* Send, and expect XS_ERROR err echoing req. */
static void raw_expect_error(struct xs_conn *c, uint32_t type, uint32_t tx, const void *payload,
                             uint32_t len, const char *err)
{
    static uint32_t req = 1000;
    struct xsd_sockmsg hdr;
    char buf[XENSTORE_PAYLOAD_MAX + 1];

    raw_send(c, type, ++req, tx, payload, len);
    assert_true(raw_recv(c, &hdr, buf));
    assert_int_equal(hdr.type, XS_ERROR);
    assert_int_equal(hdr.req_id, req);
    assert_int_equal(hdr.tx_id, tx);
    assert_string_equal(buf, err);
    assert_int_equal(hdr.len, strlen(err) + 1);
}

#endif /* XS_HARNESS_H */
