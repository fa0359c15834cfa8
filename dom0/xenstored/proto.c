/*
 * The XenStore wire protocol: one handler per message type
 * (include/public/io/xs_wire.h), dispatched through a table as Xen's
 * xenstored does. A handler checks its payload, answers, and returns 0,
 * or returns an XEN_E* error that becomes an XS_ERROR reply. Replies
 * carry the request's type, req_id and tx_id.
 *
 * Payloads are NUL-separated strings; conn.c puts a NUL after every
 * payload, so the string functions below never run past it.
 */
#include "xs_internal.h"

#include <dom0/strparse.h>

#define XS_FLAG_PRIV    1       /* privileged domains only: EACCES */
#define XS_FLAG_NOTID   2       /* ignores tx_id */

struct xs_msg {
    const struct xsd_sockmsg *hdr;
    const char *data;           /* hdr->len bytes, then a NUL */
};

typedef int (*xs_handler_t)(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m);

static int reply(struct xs_conn *c, const struct xs_msg *m, const void *data, uint32_t len)
{
    return conn_send(c, m->hdr->type, m->hdr->req_id, m->hdr->tx_id, data, len);
}

static int reply_ok(struct xs_conn *c, const struct xs_msg *m)
{
    return reply(c, m, "OK", sizeof("OK"));
}

/* The number of NUL-terminated strings in the payload (bytes after the last NUL do not count). */
static uint32_t count_strings(const struct xs_msg *m)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < m->hdr->len; i++)
        n += m->data[i] == '\0';
    return n;
}

/* The payload if it is exactly one string with its NUL, else NULL (Xen's onearg). */
static const char *one_arg(const struct xs_msg *m)
{
    if (m->hdr->len == 0 || strlen(m->data) + 1 != m->hdr->len)
        return NULL;
    return m->data;
}

/* String i of the payload (only after count_strings said it exists). */
static const char *nth_string(const struct xs_msg *m, uint32_t i)
{
    const char *p = m->data;

    while (i--)
        p += strlen(p) + 1;
    return p;
}

static int parse_domid(const char *s, domid_t *out)
{
    uint64_t v;

    if (!s || !parse_decimal(s, UINT16_MAX, &v))
        return XEN_EINVAL;
    *out = (domid_t)v;
    return 0;
}

/* A read-only request on one path: the node, with access checked. */
static int get_node(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m,
                    const struct xs_node **n)
{
    const char *arg = one_arg(m);
    char *path;
    int rc;

    if (!arg)
        return XEN_EINVAL;
    rc = path_canonical(c, arg, false, &path, NULL);
    if (rc)
        return rc;
    rc = store_get(c->s, c, tx, path, XS_PERM_READ, n);
    free(path);
    return rc;
}

static int do_read(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    const struct xs_node *n;
    int rc = get_node(c, tx, m, &n);

    return rc ? rc : reply(c, m, n->value, n->vlen);
}

/* Child names, each with its NUL, from byte offset skip of that list on. */
static char *child_list(const struct xs_node *n, uint32_t *len)
{
    char *buf = malloc(n->kids_bytes ? n->kids_bytes : 1), *p = buf;

    if (!buf)
        return NULL;
    for (uint32_t i = 0; i < n->nkids; i++) {
        size_t l = strlen(n->kids[i]->name) + 1;

        memcpy(p, n->kids[i]->name, l);
        p += l;
    }
    *len = n->kids_bytes;
    return buf;
}

static int do_directory(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    const struct xs_node *n;
    uint32_t len;
    char *list;
    int rc = get_node(c, tx, m, &n);

    if (rc)
        return rc;
    list = child_list(n, &len);
    if (!list)
        return XEN_ENOMEM;
    rc = reply(c, m, list, len);
    free(list);
    return rc;
}

/*
 * XS_DIRECTORY_PART "path\0offset\0": the node's generation, then as many
 * whole child names from byte offset on as fit, with an empty name after
 * the last one (Xen's send_directory_part).
 */
static int do_directory_part(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    const struct xs_node *n;
    uint64_t off;
    uint32_t len, genlen, take = 0;
    char *list, *buf, *path = NULL;
    int rc;

    if (count_strings(m) != 2 || !parse_decimal(nth_string(m, 1), UINT32_MAX, &off))
        return XEN_EINVAL;
    rc = path_canonical(c, m->data, false, &path, NULL);
    if (!rc)
        rc = store_get(c->s, c, tx, path, XS_PERM_READ, &n);
    free(path);
    if (rc)
        return rc;
    list = child_list(n, &len);
    buf = malloc(XENSTORE_PAYLOAD_MAX);
    if (!list || !buf) {
        free(list);
        free(buf);
        return XEN_ENOMEM;
    }
    genlen = (uint32_t)snprintf(buf, XENSTORE_PAYLOAD_MAX, "%lu", (unsigned long)n->gen) + 1;
    while (off + take < len) {
        uint32_t l = (uint32_t)strlen(list + off + take) + 1;

        if (genlen + take + l + 1 > XENSTORE_PAYLOAD_MAX)
            break;
        take += l;
    }
    if (off < len)
        memcpy(buf + genlen, list + off, take);
    buf[genlen + take] = '\0';
    rc = reply(c, m, buf, genlen + take + (off + take >= len));
    free(list);
    free(buf);
    return rc;
}

static int do_get_perms(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    const struct xs_node *n;
    char *buf;
    uint32_t len;
    int rc = get_node(c, tx, m, &n);

    if (rc)
        return rc;
    buf = malloc(XENSTORE_PAYLOAD_MAX);
    if (!buf)
        return XEN_ENOMEM;
    len = perms_format(&n->perms, buf, XENSTORE_PAYLOAD_MAX);
    rc = len ? reply(c, m, buf, len) : XEN_E2BIG;
    free(buf);
    return rc;
}

/*
 * A change: applied to the live tree, or to the transaction's tree and
 * logged for its commit.
 */
static int change(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m,
                  struct xs_op *op)
{
    struct xs_edit e;
    int rc;

    edit_begin(&e, c->s, c, tx);
    rc = store_apply(&e, op);
    if (!rc && tx)
        rc = tx_log(tx, op);
    if (rc) {
        edit_abort(&e);
        return rc;
    }
    edit_commit(&e);
    return reply_ok(c, m);
}

/* XS_MKDIR, XS_RM: "path\0". */
static int do_path_change(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    struct xs_op op = { .type = m->hdr->type };
    const char *arg = one_arg(m);
    int rc;

    if (!arg)
        return XEN_EINVAL;
    rc = path_canonical(c, arg, false, &op.path, NULL);
    if (rc)
        return rc;
    rc = change(c, tx, m, &op);
    free(op.path);
    return rc;
}

/* XS_WRITE: "path\0" then the value (any bytes, no NUL needed). */
static int do_write(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    struct xs_op op = { .type = XS_WRITE };
    size_t plen = strnlen(m->data, m->hdr->len);
    int rc;

    if (plen == m->hdr->len)
        return XEN_EINVAL;              /* no NUL after the path */
    rc = path_canonical(c, m->data, false, &op.path, NULL);
    if (rc)
        return rc;
    op.data = (char *)m->data + plen + 1;
    op.len = m->hdr->len - (uint32_t)plen - 1;
    rc = change(c, tx, m, &op);
    free(op.path);
    return rc;
}

/* XS_SET_PERMS: "path\0perm\0perm\0...". */
static int do_set_perms(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    struct xs_op op = { .type = XS_SET_PERMS };
    uint32_t n = count_strings(m);
    int rc;

    if (n < 2)
        return XEN_EINVAL;
    if (!c->privileged && n - 1 > c->s->quota.perms)
        return XEN_ENOSPC;
    rc = perms_parse(nth_string(m, 1), n - 1, &op.perms);
    if (rc)
        return rc;
    rc = path_canonical(c, m->data, false, &op.path, NULL);
    if (!rc)
        rc = change(c, tx, m, &op);
    free(op.path);
    perms_free(&op.perms);
    return rc;
}

/* XS_WATCH / XS_UNWATCH "path\0token\0". */
static int watch_args(struct xs_conn *c, const struct xs_msg *m, char **path, bool *relative)
{
    if (count_strings(m) != 2)
        return XEN_EINVAL;
    return path_canonical(c, m->data, true, path, relative);
}

static int do_watch(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    bool relative;
    char *path = NULL;
    int rc = watch_args(c, m, &path, &relative);
    const char *token = rc ? NULL : nth_string(m, 1);

    if (!rc)
        rc = watch_add(c, path, token, relative);
    if (!rc)
        rc = reply_ok(c, m);
    if (!rc)                            /* the first event, right after the reply */
        conn_send_event(c, relative ? path + strlen(c->home) + 1 : path, token);
    free(path);
    return rc;
}

static int do_unwatch(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    char *path;
    bool relative;
    int rc = watch_args(c, m, &path, &relative);

    if (rc)
        return rc;
    rc = watch_remove(c, path, nth_string(m, 1));
    free(path);
    return rc ? rc : reply_ok(c, m);
}

static int do_transaction_start(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    char id_str[16];
    uint32_t id;
    int rc;

    if (tx)
        return XEN_EBUSY;               /* no nesting */
    rc = tx_start(c, &id);
    if (rc)
        return rc;
    snprintf(id_str, sizeof(id_str), "%u", id);
    return reply(c, m, id_str, (uint32_t)strlen(id_str) + 1);
}

static int do_transaction_end(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    const char *arg = one_arg(m);
    int rc;

    if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
        return XEN_EINVAL;
    if (!tx)
        return XEN_ENOENT;
    rc = tx_end(c, tx, arg[0] == 'T');
    return rc ? rc : reply_ok(c, m);
}

/* XS_INTRODUCE "domid\0gfn\0port\0" (dom0 only). */
static int do_introduce(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    uint64_t gfn, port;
    domid_t domid;
    int rc;

    if (count_strings(m) < 3)
        return XEN_EINVAL;
    rc = parse_domid(m->data, &domid);
    if (rc)
        return rc;
    if (!parse_decimal(nth_string(m, 1), UINT64_MAX, &gfn) ||
        !parse_decimal(nth_string(m, 2), UINT32_MAX, &port) || port == 0)
        return XEN_EINVAL;
    rc = domain_introduce(c, domid, gfn, (uint32_t)port);
    return rc ? rc : reply_ok(c, m);
}

static int do_release(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    domid_t domid;
    int rc = parse_domid(one_arg(m), &domid);

    if (!rc)
        rc = domain_release(c, domid);
    return rc ? rc : reply_ok(c, m);
}

static int do_get_domain_path(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    char path[XS_HOME_MAX];
    domid_t domid;
    int rc = parse_domid(one_arg(m), &domid);

    if (rc)
        return rc;
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    return reply(c, m, path, (uint32_t)strlen(path) + 1);
}

static int do_is_domain_introduced(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    domid_t domid;
    int rc = parse_domid(one_arg(m), &domid);

    if (rc)
        return rc;
    return reply(c, m, domid == DOMID_SELF || domain_is_introduced(c->s, domid) ? "T" : "F", 2);
}

static int do_reset_watches(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    watch_remove_all(c);
    tx_close_all(c);
    return reply_ok(c, m);
}

/* Known, but not offered by this server (yet): CONTROL, RESUME, SET_TARGET. */
static int do_unsupported(struct xs_conn *c, struct xs_tx *tx, const struct xs_msg *m)
{
    return XEN_ENOSYS;
}

static const struct {
    xs_handler_t fn;
    uint8_t flags;
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL]              = { do_unsupported, XS_FLAG_PRIV },
    [XS_DIRECTORY]            = { do_directory, 0 },
    [XS_READ]                 = { do_read, 0 },
    [XS_GET_PERMS]            = { do_get_perms, 0 },
    [XS_WATCH]                = { do_watch, XS_FLAG_NOTID },
    [XS_UNWATCH]              = { do_unwatch, XS_FLAG_NOTID },
    [XS_TRANSACTION_START]    = { do_transaction_start, 0 },
    [XS_TRANSACTION_END]      = { do_transaction_end, 0 },
    [XS_INTRODUCE]            = { do_introduce, XS_FLAG_PRIV },
    [XS_RELEASE]              = { do_release, XS_FLAG_PRIV },
    [XS_GET_DOMAIN_PATH]      = { do_get_domain_path, 0 },
    [XS_WRITE]                = { do_write, 0 },
    [XS_MKDIR]                = { do_path_change, 0 },
    [XS_RM]                   = { do_path_change, 0 },
    [XS_SET_PERMS]            = { do_set_perms, 0 },
    [XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, XS_FLAG_PRIV },
    [XS_RESUME]               = { do_unsupported, XS_FLAG_PRIV },
    [XS_SET_TARGET]           = { do_unsupported, XS_FLAG_PRIV },
    [XS_RESET_WATCHES]        = { do_reset_watches, 0 },
    [XS_DIRECTORY_PART]       = { do_directory_part, 0 },
};

static void send_error(struct xs_conn *c, const struct xsd_sockmsg *hdr, int err)
{
    const char *name = xs_error_name(err);

    conn_send(c, XS_ERROR, hdr->req_id, hdr->tx_id, name, (uint32_t)strlen(name) + 1);
}

/*
 * One complete request. Unknown types (and types only the server sends)
 * get ENOSYS, as from Xen; privileged types from a domU get EACCES; a
 * tx_id that names no open transaction of this connection gets ENOENT.
 */
void proto_process(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload)
{
    struct xs_msg m = { hdr, payload };
    struct xs_tx *tx = NULL;
    int rc;

    c->s->stats.requests++;
    if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type].fn) {
        rc = XEN_ENOSYS;
    } else if ((handlers[hdr->type].flags & XS_FLAG_PRIV) && !c->privileged) {
        rc = XEN_EACCES;
    } else if (!(handlers[hdr->type].flags & XS_FLAG_NOTID) && hdr->tx_id &&
               !(tx = tx_find(c, hdr->tx_id))) {
        rc = XEN_ENOENT;
    } else {
        rc = handlers[hdr->type].fn(c, tx, &m);
    }
    if (rc)
        send_error(c, hdr, rc);
}
