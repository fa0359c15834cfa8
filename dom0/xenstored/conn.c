/*
 * Connections: one per client domain. Requests arrive as a byte stream
 * (from a ring page, or fed by a caller) and are cut into messages here;
 * replies and watch events wait in a per-connection output queue until
 * the client makes room in its ring.
 *
 * Fairness and flooding: a poll serves at most quota.burst requests per
 * connection, and none from a client whose unread output exceeds
 * quota.out_bytes (it is not reading its replies). Watch events for such a
 * client are dropped and counted, so no client can make the server queue
 * without bound or starve the others.
 *
 * A message whose length exceeds XENSTORE_PAYLOAD_MAX is skipped byte by
 * byte and answered E2BIG, so the stream stays in step. A ring whose
 * indices are impossible is marked in its error field and no longer
 * served (until the client asks for a reconnection).
 */
#include "xs_internal.h"

#include <dom0/xs_ring.h>

#define XS_SERVER_FEATURES \
    (XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR)

struct xs_conn *conn_find(struct xs_store *s, domid_t domid)
{
    for (struct xs_conn *c = s->conns; c; c = c->next)
        if (c->domid == domid && !c->dead)
            return c;
    return NULL;
}

struct xs_conn *conn_new(struct xs_store *s, domid_t domid)
{
    struct xs_conn *c, **pp = &s->conns;

    if (conn_find(s, domid))
        return NULL;
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->payload = malloc(XENSTORE_PAYLOAD_MAX + 1);
    if (!c->payload) {
        free(c);
        return NULL;
    }
    c->s = s;
    c->domid = domid;
    c->privileged = domid == 0;
    c->next_txid = 1;
    snprintf(c->home, sizeof(c->home), "/local/domain/%u", domid);
    while (*pp)
        pp = &(*pp)->next;
    *pp = c;
    s->stats.connections++;
    return c;
}

struct xs_conn *xs_conn_stream(struct xs_store *s, domid_t domid)
{
    return conn_new(s, domid);
}

struct xs_conn *xs_conn_ring(struct xs_store *s, domid_t domid,
                             struct xenstore_domain_interface *intf, int local_port)
{
    struct xs_conn *c = conn_new(s, domid);

    if (!c)
        return NULL;
    c->ring = intf;
    c->port = local_port;
    intf->server_features = XS_SERVER_FEATURES;
    return c;
}

static void out_clear(struct xs_conn *c)
{
    while (c->out_head) {
        struct xs_out *o = c->out_head;

        c->out_head = o->next;
        free(o);
    }
    c->out_tail = NULL;
    c->out_off = 0;
    c->out_bytes = 0;
}

static void in_clear(struct xs_conn *c)
{
    c->hdr_got = 0;
    c->got = 0;
    c->skip = 0;
}

/*
 * Cut a connection off: no transactions, watches, queued bytes or ring any
 * more. The structure stays linked (a poll may be walking the list) until
 * conn_reap frees it.
 */
void conn_kill(struct xs_conn *c)
{
    struct xs_store *s = c->s;

    tx_close_all(c);
    watch_remove_all(c);
    out_clear(c);
    if (c->introduced) {
        if (s->ops.unbind_evtchn)
            s->ops.unbind_evtchn(s->ops.priv, c->port);
        if (s->ops.unmap_ring)
            s->ops.unmap_ring(s->ops.priv, c->domid, c->ring);
    }
    c->introduced = false;
    c->ring = NULL;
    c->dead = true;
}

/* Free the connections conn_kill cut off. */
void conn_reap(struct xs_store *s)
{
    struct xs_conn **pp = &s->conns;

    while (*pp) {
        struct xs_conn *c = *pp;

        if (!c->dead) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        free(c->payload);
        free(c);
        s->stats.connections--;
    }
}

void xs_conn_close(struct xs_conn *c)
{
    conn_kill(c);
    conn_reap(c->s);
}

int conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
              const void *payload, uint32_t len)
{
    struct xsd_sockmsg hdr = { type, req_id, tx_id, len };
    struct xs_out *o;

    if (len > XENSTORE_PAYLOAD_MAX) {
        static const char e2big[] = "E2BIG";

        return conn_send(c, XS_ERROR, req_id, tx_id, e2big, sizeof(e2big));
    }
    o = malloc(sizeof(*o) + sizeof(hdr) + len);
    if (!o)
        return XEN_ENOMEM;
    o->next = NULL;
    o->len = sizeof(hdr) + len;
    memcpy(o->data, &hdr, sizeof(hdr));
    if (len)
        memcpy(o->data + sizeof(hdr), payload, len);
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_bytes += o->len;
    return 0;
}

void conn_send_event(struct xs_conn *c, const char *path, const char *token)
{
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    char *buf;

    if (c->broken || c->out_bytes > c->s->quota.out_bytes ||
        plen + tlen > XENSTORE_PAYLOAD_MAX || !(buf = malloc(plen + tlen))) {
        c->s->stats.events_dropped++;
        return;
    }
    memcpy(buf, path, plen);
    memcpy(buf + plen, token, tlen);
    if (conn_send(c, XS_WATCH_EVENT, 0, 0, buf, (uint32_t)(plen + tlen)))
        c->s->stats.events_dropped++;
    free(buf);
}

/* Where the next input bytes go, and how many the current message part needs. */
static size_t in_want(struct xs_conn *c, void **dst)
{
    if (c->hdr_got < sizeof(c->hdr)) {
        *dst = (char *)&c->hdr + c->hdr_got;
        return sizeof(c->hdr) - c->hdr_got;
    }
    if (c->skip) {
        *dst = c->payload;              /* scratch: the bytes are dropped */
        return DOM0_MIN(c->skip, (uint32_t)XENSTORE_PAYLOAD_MAX);
    }
    *dst = c->payload + c->got;
    return c->hdr.len - c->got;
}

/* n bytes arrived where in_want said; true when that completed a message. */
static bool in_got(struct xs_conn *c, size_t n)
{
    if (c->hdr_got < sizeof(c->hdr)) {
        c->hdr_got += (uint32_t)n;
        if (c->hdr_got < sizeof(c->hdr))
            return false;
        if (c->hdr.len > XENSTORE_PAYLOAD_MAX)
            c->skip = c->hdr.len;
    } else if (c->skip) {
        c->skip -= (uint32_t)n;
        if (c->skip)
            return false;
        conn_send(c, XS_ERROR, c->hdr.req_id, c->hdr.tx_id, "E2BIG", sizeof("E2BIG"));
        in_clear(c);
        return true;
    } else {
        c->got += (uint32_t)n;
    }
    if (c->skip || c->got < c->hdr.len)
        return false;
    c->payload[c->hdr.len] = '\0';      /* string functions stop here at the latest */
    proto_process(c, &c->hdr, c->payload);
    in_clear(c);
    return true;
}

void xs_conn_feed(struct xs_conn *c, const void *data, size_t len)
{
    const char *p = data;

    while (len) {
        void *dst;
        size_t n = DOM0_MIN(in_want(c, &dst), len);

        memcpy(dst, p, n);
        in_got(c, n);
        p += n;
        len -= n;
    }
    conn_reap(c->s);
}

/* n bytes of the first queued message went out (n no more than what is left of it). */
static void out_consumed(struct xs_conn *c, size_t n)
{
    struct xs_out *o = c->out_head;

    c->out_off += (uint32_t)n;
    c->out_bytes -= n;
    if (c->out_off == o->len) {
        c->out_head = o->next;
        if (!c->out_head)
            c->out_tail = NULL;
        c->out_off = 0;
        free(o);
    }
}

size_t xs_conn_drain(struct xs_conn *c, void *buf, size_t len)
{
    size_t done = 0;

    while (c->out_head && done < len) {
        struct xs_out *o = c->out_head;
        size_t n = DOM0_MIN(len - done, (size_t)(o->len - c->out_off));

        memcpy((char *)buf + done, o->data + c->out_off, n);
        done += n;
        out_consumed(c, n);
    }
    return done;
}

size_t xs_conn_pending(const struct xs_conn *c)
{
    return c->out_bytes;
}

bool xs_conn_broken(const struct xs_conn *c)
{
    return c->broken;
}

static void conn_notify(struct xs_conn *c)
{
    if (c->s->ops.notify)
        c->s->ops.notify(c->s->ops.priv, c->port);
}

/* Stop serving a ring the client broke; say why in its error field. */
static void conn_break(struct xs_conn *c, uint32_t why)
{
    c->broken = true;
    c->ring->error = why;
    conn_notify(c);
}

/*
 * The client asked for a reconnection: forget everything in flight, empty
 * both queues, and say connected again (docs/misc/xenstore-ring.txt).
 */
static void conn_reconnect(struct xs_conn *c)
{
    struct xenstore_domain_interface *r = c->ring;

    tx_close_all(c);
    watch_remove_all(c);
    out_clear(c);
    in_clear(c);
    r->req_cons = READ_ONCE(r->req_prod);
    r->rsp_prod = READ_ONCE(r->rsp_cons);
    r->error = XENSTORE_ERROR_NONE;
    c->broken = false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->connection = XENSTORE_CONNECTED;
}

/* Queued output into the ring, as far as it goes; true if any moved. */
static bool conn_flush(struct xs_conn *c)
{
    bool moved = false;

    while (c->out_head && !c->broken) {
        struct xs_out *o = c->out_head;
        int n = xs_ring_write_response(c->ring, o->data + c->out_off, o->len - c->out_off);

        if (n == XS_RING_BAD) {
            conn_break(c, XENSTORE_ERROR_RINGIDX);
            break;
        }
        if (n == 0)
            break;
        moved = true;
        out_consumed(c, (size_t)n);
    }
    return moved;
}

/* One turn for a ring connection (xs_poll). */
static bool conn_service(struct xs_conn *c)
{
    struct xs_store *s = c->s;
    uint32_t budget = s->quota.burst;
    bool moved = false;

    if (READ_ONCE(c->ring->connection) == XENSTORE_RECONNECT) {
        conn_reconnect(c);
        moved = true;
    }
    if (c->broken)
        return moved;
    moved |= conn_flush(c);
    while (budget && !c->broken && c->out_bytes <= s->quota.out_bytes) {
        void *dst;
        size_t want = in_want(c, &dst);
        int n = xs_ring_read_request(c->ring, dst, want);

        if (n == XS_RING_BAD) {
            conn_break(c, XENSTORE_ERROR_RINGIDX);
            return true;
        }
        if (n == 0)
            break;
        moved = true;
        if (in_got(c, (size_t)n))
            budget--;
    }
    moved |= conn_flush(c);
    if (moved)
        conn_notify(c);
    return moved;
}

bool xs_poll(struct xs_store *s)
{
    bool moved = false;

    for (struct xs_conn *c = s->conns; c; c = c->next)
        if (c->ring && !c->dead)
            moved |= conn_service(c);
    conn_reap(s);                       /* released by requests just served */
    return moved;
}
