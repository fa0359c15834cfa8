/*
 * XenStore client (dom0/include/dom0/xs_client.h). Replies are matched to
 * the request by req_id; anything else that is not a watch event (a stale
 * reply after a give-up) is dropped.
 */
#include <dom0/libc.h>
#include <dom0/strparse.h>
#include <dom0/xs_client.h>
#include <dom0/xs_ring.h>

int xs_client_init(struct xs_client *cl, struct xenstore_domain_interface *intf,
                   const struct xs_client_ops *ops)
{
    memset(cl, 0, sizeof(*cl));
    cl->intf = intf;
    cl->ops = *ops;
    cl->next_req = 1;
    cl->in = malloc(XENSTORE_PAYLOAD_MAX + 1);
    cl->out = malloc(sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX);
    cl->reply_data = malloc(XENSTORE_PAYLOAD_MAX + 1);
    if (!cl->in || !cl->out || !cl->reply_data) {
        xs_client_fini(cl);
        return XEN_ENOMEM;
    }
    return 0;
}

static void event_drop_first(struct xs_client *cl)
{
    struct xs_client_event *e = &cl->events[cl->ev_first];

    free(e->path);
    free(e->token);
    e->path = e->token = NULL;
    cl->ev_first = (cl->ev_first + 1) % XS_CLIENT_EVENTS;
    cl->ev_count--;
}

void xs_client_fini(struct xs_client *cl)
{
    while (cl->ev_count)
        event_drop_first(cl);
    free(cl->ev_last.path);
    free(cl->ev_last.token);
    cl->ev_last.path = cl->ev_last.token = NULL;
    free(cl->in);
    free(cl->out);
    free(cl->reply_data);
    cl->in = cl->out = cl->reply_data = NULL;
}

/* A complete message arrived in cl->hdr / cl->in. */
static void client_deliver(struct xs_client *cl)
{
    if (cl->hdr.type == XS_WATCH_EVENT) {
        const char *path = cl->in;
        size_t plen = strnlen(path, cl->hdr.len);
        struct xs_client_event *e;

        if (plen == cl->hdr.len || cl->ev_count == XS_CLIENT_EVENTS) {
            cl->ev_dropped++;
            return;
        }
        e = &cl->events[(cl->ev_first + cl->ev_count) % XS_CLIENT_EVENTS];
        e->path = strdup(path);
        e->token = strdup(path + plen + 1);
        if (!e->path || !e->token) {
            free(e->path);
            free(e->token);
            cl->ev_dropped++;
            return;
        }
        cl->ev_count++;
        return;
    }
    if (cl->hdr.req_id != cl->next_req - 1 || cl->have_reply)
        return;                         /* not for the request in flight */
    cl->reply = cl->hdr;
    memcpy(cl->reply_data, cl->in, cl->hdr.len);
    cl->reply_data[cl->hdr.len] = '\0';
    cl->have_reply = true;
}

/* Read what is there; false on a broken ring. *moved: any byte read. */
static bool client_read(struct xs_client *cl, bool *moved)
{
    for (;;) {
        char *dst;
        uint32_t want;
        int n;

        if (cl->hdr_got < sizeof(cl->hdr)) {
            dst = (char *)&cl->hdr + cl->hdr_got;
            want = sizeof(cl->hdr) - cl->hdr_got;
        } else {
            if (cl->hdr.len > XENSTORE_PAYLOAD_MAX)
                return false;           /* the server broke the protocol */
            dst = cl->in + cl->got;
            want = cl->hdr.len - cl->got;
        }
        n = want ? xs_ring_read_response(cl->intf, dst, want) : 0;
        if (n == XS_RING_BAD)
            return false;
        if (n > 0)
            *moved = true;
        if (cl->hdr_got < sizeof(cl->hdr))
            cl->hdr_got += (uint32_t)n;
        else
            cl->got += (uint32_t)n;
        if (cl->hdr_got == sizeof(cl->hdr) && cl->got == cl->hdr.len &&
            cl->hdr.len <= XENSTORE_PAYLOAD_MAX) {
            client_deliver(cl);
            cl->hdr_got = cl->got = 0;
            continue;
        }
        if (n == 0)
            return true;
    }
}

bool xs_client_pump(struct xs_client *cl)
{
    bool moved = false;

    client_read(cl, &moved);
    return cl->ev_count > 0;
}

bool xs_next_event(struct xs_client *cl, const char **path, const char **token)
{
    struct xs_client_event *last = &cl->ev_last;

    free(last->path);
    free(last->token);
    last->path = last->token = NULL;
    if (!cl->ev_count)
        return false;
    *last = cl->events[cl->ev_first];
    cl->events[cl->ev_first].path = cl->events[cl->ev_first].token = NULL;
    cl->ev_first = (cl->ev_first + 1) % XS_CLIENT_EVENTS;
    cl->ev_count--;
    *path = last->path;
    *token = last->token;
    return true;
}

/* Put all of buf into the request ring, waiting for room as needed. */
static bool client_send(struct xs_client *cl, const char *buf, size_t len)
{
    while (len) {
        int n = xs_ring_write_request(cl->intf, buf, len);
        bool moved = false;

        if (n == XS_RING_BAD)
            return false;
        buf += n;
        len -= (size_t)n;
        if (!len)
            break;
        cl->ops.kick(cl->ops.priv);
        /* Full: replies may be what is holding the server up. */
        if (!client_read(cl, &moved) || (!moved && !cl->ops.wait(cl->ops.priv)))
            return false;
    }
    cl->ops.kick(cl->ops.priv);
    return true;
}

int xs_client_request(struct xs_client *cl, uint32_t type, uint32_t tx_id,
                      const void *payload, uint32_t plen, uint32_t *len)
{
    struct xsd_sockmsg hdr = { type, cl->next_req++, tx_id, plen };

    if (plen > XENSTORE_PAYLOAD_MAX)
        return XEN_E2BIG;
    if (cl->next_req == 0)
        cl->next_req = 1;
    cl->have_reply = false;
    memcpy(cl->out, &hdr, sizeof(hdr));
    if (plen && payload != cl->out + sizeof(hdr))
        memmove(cl->out + sizeof(hdr), payload, plen);
    if (!client_send(cl, cl->out, sizeof(hdr) + plen))
        return XS_CLIENT_EIO;
    while (!cl->have_reply) {
        bool moved = false;

        if (!client_read(cl, &moved))
            return XS_CLIENT_EIO;
        if (!cl->have_reply && !moved && !cl->ops.wait(cl->ops.priv))
            return XS_CLIENT_EIO;
    }
    if (len)
        *len = cl->reply.len;
    if (cl->reply.type == XS_ERROR)
        return xs_error_number(cl->reply_data);
    return 0;
}

/* Build "a\0" [+ "b\0"] [+ data] as the payload, in place. */
static uint32_t payload_build(struct xs_client *cl, const char *a, const char *b,
                              const void *data, uint32_t dlen, bool *fits)
{
    char *p = cl->out + sizeof(struct xsd_sockmsg);
    size_t alen = strlen(a) + 1, blen = b ? strlen(b) + 1 : 0;

    *fits = alen + blen + dlen <= XENSTORE_PAYLOAD_MAX;
    if (!*fits)
        return 0;
    memcpy(p, a, alen);
    if (b)
        memcpy(p + alen, b, blen);
    if (dlen)
        memcpy(p + alen + blen, data, dlen);
    return (uint32_t)(alen + blen + dlen);
}

static int request_strs(struct xs_client *cl, uint32_t type, uint32_t tx, const char *a,
                        const char *b, const void *data, uint32_t dlen, uint32_t *len)
{
    bool fits;
    uint32_t plen = payload_build(cl, a, b, data, dlen, &fits);

    if (!fits)
        return XEN_E2BIG;
    return xs_client_request(cl, type, tx, cl->out + sizeof(struct xsd_sockmsg), plen, len);
}

int xs_read(struct xs_client *cl, uint32_t tx, const char *path, const char **value,
            uint32_t *len)
{
    int rc = request_strs(cl, XS_READ, tx, path, NULL, NULL, 0, len);

    *value = rc ? NULL : cl->reply_data;
    return rc;
}

int xs_write(struct xs_client *cl, uint32_t tx, const char *path, const void *value,
             uint32_t len)
{
    return request_strs(cl, XS_WRITE, tx, path, NULL, value, len, NULL);
}

int xs_write_str(struct xs_client *cl, uint32_t tx, const char *path, const char *value)
{
    return xs_write(cl, tx, path, value, (uint32_t)strlen(value));
}

int xs_mkdir(struct xs_client *cl, uint32_t tx, const char *path)
{
    return request_strs(cl, XS_MKDIR, tx, path, NULL, NULL, 0, NULL);
}

int xs_rm(struct xs_client *cl, uint32_t tx, const char *path)
{
    return request_strs(cl, XS_RM, tx, path, NULL, NULL, 0, NULL);
}

int xs_directory(struct xs_client *cl, uint32_t tx, const char *path, const char **names,
                 uint32_t *len)
{
    int rc = request_strs(cl, XS_DIRECTORY, tx, path, NULL, NULL, 0, len);

    *names = rc ? NULL : cl->reply_data;
    return rc;
}

int xs_get_perms(struct xs_client *cl, uint32_t tx, const char *path, const char **perms,
                 uint32_t *len)
{
    int rc = request_strs(cl, XS_GET_PERMS, tx, path, NULL, NULL, 0, len);

    *perms = rc ? NULL : cl->reply_data;
    return rc;
}

int xs_set_perms(struct xs_client *cl, uint32_t tx, const char *path,
                 const char *const *perms, unsigned int n)
{
    char *p = cl->out + sizeof(struct xsd_sockmsg);
    size_t used = strlen(path) + 1;

    if (used > XENSTORE_PAYLOAD_MAX)
        return XEN_E2BIG;
    memcpy(p, path, used);
    for (unsigned int i = 0; i < n; i++) {
        size_t l = strlen(perms[i]) + 1;

        if (used + l > XENSTORE_PAYLOAD_MAX)
            return XEN_E2BIG;
        memcpy(p + used, perms[i], l);
        used += l;
    }
    return xs_client_request(cl, XS_SET_PERMS, tx, p, (uint32_t)used, NULL);
}

int xs_watch(struct xs_client *cl, const char *path, const char *token)
{
    return request_strs(cl, XS_WATCH, 0, path, token, NULL, 0, NULL);
}

int xs_unwatch(struct xs_client *cl, const char *path, const char *token)
{
    return request_strs(cl, XS_UNWATCH, 0, path, token, NULL, 0, NULL);
}

int xs_transaction_start(struct xs_client *cl, uint32_t *tx)
{
    uint64_t id;
    int rc = request_strs(cl, XS_TRANSACTION_START, 0, "", NULL, NULL, 0, NULL);

    if (rc)
        return rc;
    if (!parse_decimal(cl->reply_data, UINT32_MAX, &id))
        return XS_CLIENT_EIO;
    *tx = (uint32_t)id;
    return 0;
}

int xs_transaction_end(struct xs_client *cl, uint32_t tx, bool commit)
{
    return request_strs(cl, XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL, NULL, 0, NULL);
}
