/*
 * The server as a whole: creating the store (its root node, owned by dom0
 * and closed to everyone else), its quotas and counters, and the domains
 * dom0 introduces (XS_INTRODUCE maps the domain's ring page and binds its
 * event channel through xs_server_ops; XS_RELEASE undoes that). Releasing
 * a domain leaves its nodes alone: removing /local/domain/<domid> is the
 * toolstack's job, as with Xen.
 */
#include "xs_internal.h"

static const struct xs_quota default_quota = {
    .nodes = 1000,
    .node_size = 2048,
    .watches = 128,
    .transactions = 10,
    .perms = 5,
    .tx_nodes = 1024,
    .out_bytes = 64 * 1024,
    .burst = 8,
};

struct xs_store *xs_store_create(const struct xs_server_ops *ops)
{
    static const struct xs_perm root_perm = { 0, XS_PERM_NONE };
    const struct xs_perms perms = { 1, (struct xs_perm *)&root_perm };
    struct xs_store *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    if (ops)
        s->ops = *ops;
    s->quota = default_quota;
    s->root = node_new("", 0, &perms);
    if (!s->root || acct_add(&s->nodes, 0, 1)) {
        node_put(s->root);
        acct_free(&s->nodes);
        free(s);
        return NULL;
    }
    s->root->gen = ++s->gen;
    s->stats.nodes = 1;
    return s;
}

void xs_store_destroy(struct xs_store *s)
{
    for (struct xs_conn *c = s->conns; c; c = c->next)
        conn_kill(c);
    conn_reap(s);
    node_put(s->root);
    acct_free(&s->nodes);
    free(s);
}

struct xs_quota *xs_store_quota(struct xs_store *s)
{
    return &s->quota;
}

void xs_store_stats(const struct xs_store *s, struct xs_stats *st)
{
    *st = s->stats;
}

bool domain_is_introduced(struct xs_store *s, domid_t domid)
{
    struct xs_conn *c = conn_find(s, domid);

    return c && (c->introduced || c->privileged);
}

/*
 * Xen re-binds the event channel when an introduced domain is introduced
 * again (after a restore, or by a toolstack that lost track); a domain
 * that has a connection of another kind cannot be introduced.
 */
int domain_introduce(struct xs_conn *c, domid_t domid, uint64_t gfn, uint32_t port)
{
    struct xs_store *s = c->s;
    struct xs_conn *d = conn_find(s, domid);
    struct xenstore_domain_interface *intf;
    int local;

    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return XEN_EINVAL;
    if (!s->ops.map_ring || !s->ops.bind_evtchn)
        return XEN_ENOSYS;
    if (d && !d->introduced)
        return XEN_EEXIST;
    local = s->ops.bind_evtchn(s->ops.priv, domid, port);
    if (local < 0)
        return XEN_EINVAL;
    if (d) {
        if (s->ops.unbind_evtchn)
            s->ops.unbind_evtchn(s->ops.priv, d->port);
        d->port = local;
        return 0;
    }
    intf = s->ops.map_ring(s->ops.priv, domid, gfn);
    if (!intf) {
        if (s->ops.unbind_evtchn)
            s->ops.unbind_evtchn(s->ops.priv, local);
        return XEN_EINVAL;
    }
    d = xs_conn_ring(s, domid, intf, local);
    if (!d) {
        if (s->ops.unbind_evtchn)
            s->ops.unbind_evtchn(s->ops.priv, local);
        if (s->ops.unmap_ring)
            s->ops.unmap_ring(s->ops.priv, domid, intf);
        return XEN_ENOMEM;
    }
    d->introduced = true;
    watch_fire_special(s, "@introduceDomain");
    return 0;
}

int domain_release(struct xs_conn *c, domid_t domid)
{
    struct xs_conn *d;

    if (domid == 0)
        return XEN_EINVAL;
    d = conn_find(c->s, domid);
    if (!d || !d->introduced)
        return XEN_ENOENT;
    conn_kill(d);
    watch_fire_special(c->s, "@releaseDomain");
    return 0;
}
