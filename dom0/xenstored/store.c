/*
 * Changes to the store: write, mkdir, rm and set_perms on a tree, with
 * Xen's permission rules, the quotas, transaction bookkeeping and the watch
 * events each change causes.
 *
 * A change runs as an edit: it takes its own reference to the root of the
 * tree it changes (live, or its transaction's) and copies every shared
 * node on the path before touching it, so the tree everybody else sees
 * is untouched until edit_commit swaps the root in. A change that fails
 * half-way (a quota on the third of four new nodes, memory) is dropped
 * whole with edit_abort. Node counts per domain and watch events are
 * collected on the way and applied at commit as well.
 */
#include "xs_internal.h"

/* Node-count bookkeeping: a short list of (domid, count) pairs. */
static struct xs_acct *acct_find(const struct xs_acct_list *l, domid_t domid)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (l->v[i].domid == domid)
            return &l->v[i];
    return NULL;
}

int32_t acct_get(const struct xs_acct_list *l, domid_t domid)
{
    const struct xs_acct *a = acct_find(l, domid);

    return a ? a->delta : 0;
}

int acct_add(struct xs_acct_list *l, domid_t domid, int32_t delta)
{
    struct xs_acct *a = acct_find(l, domid);

    if (!a) {
        if (l->n == l->cap) {
            uint32_t cap = l->cap ? l->cap * 2 : 8;
            struct xs_acct *v = realloc(l->v, cap * sizeof(*v));

            if (!v)
                return XEN_ENOMEM;
            l->v = v;
            l->cap = cap;
        }
        a = &l->v[l->n++];
        a->domid = domid;
        a->delta = 0;
    }
    a->delta += delta;
    return 0;
}

void acct_free(struct xs_acct_list *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Nodes domid would own if this edit were committed now. */
static int32_t edit_count(const struct xs_edit *e, domid_t domid)
{
    return acct_get(&e->s->nodes, domid) + (e->tx ? acct_get(&e->tx->acct, domid) : 0) +
           acct_get(&e->acct, domid);
}

/*
 * Count a node for domid. The list the edit will be merged into gets its
 * entry now, so that the commit itself never needs memory.
 */
static int edit_acct(struct xs_edit *e, domid_t domid, int32_t delta)
{
    int rc = acct_add(e->tx ? &e->tx->acct : &e->s->nodes, domid, 0);

    return rc ? rc : acct_add(&e->acct, domid, delta);
}

int edit_begin(struct xs_edit *e, struct xs_store *s, struct xs_conn *c, struct xs_tx *tx)
{
    memset(e, 0, sizeof(*e));
    e->s = s;
    e->c = c;
    e->tx = tx;
    e->root = tx ? tx->root : s->root;
    e->root->refs++;
    e->events_tail = &e->events;
    return 0;
}

static void events_free(struct xs_edit *e)
{
    while (e->events) {
        struct xs_event *ev = e->events;

        e->events = ev->next;
        event_free(ev);
    }
    e->events_tail = &e->events;
}

void edit_abort(struct xs_edit *e)
{
    node_put(e->root);
    e->root = NULL;
    acct_free(&e->acct);
    events_free(e);
}

/* Merge counts into a list that already has an entry for each domid. */
static void acct_merge(struct xs_acct_list *into, const struct xs_acct_list *from)
{
    for (uint32_t i = 0; i < from->n; i++) {
        struct xs_acct *a = acct_find(into, from->v[i].domid);

        a->delta += from->v[i].delta;
    }
}

/* Forget domains that own nothing any more. */
static void acct_compact(struct xs_acct_list *l)
{
    uint32_t j = 0;

    for (uint32_t i = 0; i < l->n; i++)
        if (l->v[i].delta)
            l->v[j++] = l->v[i];
    l->n = j;
}

void edit_commit(struct xs_edit *e)
{
    struct xs_store *s = e->s;

    if (e->tx) {
        node_put(e->tx->root);
        e->tx->root = e->root;
        acct_merge(&e->tx->acct, &e->acct);
    } else {
        node_put(s->root);
        s->root = e->root;
        for (uint32_t i = 0; i < e->acct.n; i++)
            s->stats.nodes += e->acct.v[i].delta;
        acct_merge(&s->nodes, &e->acct);
        acct_compact(&s->nodes);
        for (struct xs_event *ev = e->events; ev; ev = ev->next)
            watch_fire(s, ev);
    }
    e->root = NULL;
    acct_free(&e->acct);
    events_free(e);
}

/* Queue a watch event for this change (live edits; a transaction's fire at commit). */
static int edit_event(struct xs_edit *e, const char *path, bool exact,
                      const struct xs_perms *a, const struct xs_perms *b,
                      const struct xs_perms *c)
{
    const struct xs_perms *sets[3] = { a, b, c };
    struct xs_event *ev;

    if (e->tx)
        return 0;
    ev = calloc(1, sizeof(*ev));
    if (!ev)
        return XEN_ENOMEM;
    ev->exact = exact;
    ev->path = strdup(path);
    if (!ev->path)
        goto fail;
    for (unsigned int i = 0; i < 3; i++) {
        if (!sets[i])
            continue;
        if (perms_copy(&ev->psets[ev->npsets], sets[i]))
            goto fail;
        ev->npsets++;
    }
    *e->events_tail = ev;
    e->events_tail = &ev->next;
    return 0;

fail:
    event_free(ev);
    return XEN_ENOMEM;
}

/* Record what a transaction saw of path[0..len), then mark the node changed. */
static int node_touch(struct xs_edit *e, struct xs_node *n, const char *path, size_t len)
{
    if (e->tx) {
        int rc = tx_record(e->tx, e->c, path, len, n->gen);

        if (rc)
            return rc;
    }
    n->gen = ++e->s->gen;
    return 0;
}

/* Replace a shared node in its slot with a private copy. */
static int make_private(struct xs_node **slot)
{
    struct xs_node *copy;

    if ((*slot)->refs == 1)
        return 0;
    copy = node_clone(*slot);
    if (!copy)
        return XEN_ENOMEM;
    (*slot)->refs--;
    *slot = copy;
    return 0;
}

/*
 * The node at path[0..plen) (which exists), made private to this edit with
 * every node above it; *parent gets its parent (NULL for the root).
 */
static int edit_writable(struct xs_edit *e, const char *path, size_t plen,
                         struct xs_node **out, struct xs_node **parent)
{
    struct xs_node **slot = &e->root, *up = NULL;
    size_t pos = 0;
    const char *name;
    size_t len;
    int rc = make_private(slot);

    while (!rc && pos < plen) {
        uint32_t idx;

        if (!path_component(path, &pos, &name, &len) || pos > plen)
            break;
        if (!node_child(*slot, name, len, &idx))
            return XEN_EIO;             /* cannot happen: the caller looked it up */
        up = *slot;
        slot = &(*slot)->kids[idx];
        rc = make_private(slot);
    }
    *out = *slot;
    if (parent)
        *parent = up;
    return rc;
}

static int size_check(const struct xs_edit *e, const struct xs_node *n)
{
    if (!e->c->privileged && node_size(n) > e->s->quota.node_size)
        return XEN_ENOSPC;
    return 0;
}

/*
 * Xen's get_node: the node at path if c has all of access on it. When it
 * is missing, ENOENT only if c has some of access on the deepest existing
 * node above it, else EACCES: a domain learns nothing about where it may
 * not look. *deepest_len: length of that ancestor's path.
 */
static int tree_get(const struct xs_conn *c, struct xs_node *root, const char *path,
                    unsigned int access, struct xs_node **out, size_t *deepest_len)
{
    struct xs_node *deepest;
    struct xs_node *n = node_lookup(root, path, &deepest, deepest_len);

    *out = n;
    if (n)
        return (perms_access(c, &n->perms) & access) == access ? 0 : XEN_EACCES;
    return (perms_access(c, &deepest->perms) & access) ? XEN_ENOENT : XEN_EACCES;
}

int store_get(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx, const char *path,
              unsigned int access, const struct xs_node **out)
{
    struct xs_node *n;
    int rc = tree_get(c, tx ? tx->root : s->root, path, access, &n, NULL);

    if (tx && (rc == 0 || rc == XEN_ENOENT)) {
        int rec = tx_record(tx, c, path, strlen(path), n ? n->gen : 0);

        if (rec)
            return rec;
    }
    *out = n;
    return rc;
}

/*
 * Create the missing nodes of path below the existing one at
 * path[0..have): each inherits its parent's permissions, and one created
 * by an unprivileged domain is owned by it (counted against its quota).
 */
static int edit_create(struct xs_edit *e, const char *path, size_t have,
                       struct xs_node **out, struct xs_node **out_parent)
{
    struct xs_conn *c = e->c;
    struct xs_node *parent, *kid = NULL;
    size_t pos = have, parent_len = have;
    const char *name;
    size_t len;
    int rc = edit_writable(e, path, have, &parent, NULL);

    while (!rc && path_component(path, &pos, &name, &len)) {
        domid_t owner = c->privileged ? parent->perms.p[0].domid : c->domid;

        if (!c->privileged && edit_count(e, owner) + 1 > (int32_t)e->s->quota.nodes)
            return XEN_ENOSPC;
        rc = node_touch(e, parent, path, parent_len);
        if (rc)
            return rc;
        kid = node_new(name, len, &parent->perms);
        if (!kid)
            return XEN_ENOMEM;
        kid->perms.p[0].domid = owner;
        kid->gen = ++e->s->gen;
        rc = node_add_child(parent, kid);
        if (rc) {
            node_put(kid);
            return rc;
        }
        rc = size_check(e, parent);
        if (!rc && e->tx)
            rc = tx_record(e->tx, c, path, pos, 0);
        if (!rc)
            rc = edit_acct(e, owner, 1);
        *out_parent = parent;
        parent = kid;
        parent_len = pos;
    }
    *out = kid;
    return rc;
}

/* XS_WRITE and XS_MKDIR (which leaves an existing node alone). */
static int store_write(struct xs_edit *e, const struct xs_op *op)
{
    size_t plen = strlen(op->path), have;
    struct xs_node *n, *parent = NULL;
    int rc = tree_get(e->c, e->root, op->path, XS_PERM_WRITE, &n, &have);

    if (rc == 0 && op->type == XS_MKDIR)
        return e->tx ? tx_record(e->tx, e->c, op->path, plen, n->gen) : 0;
    if (rc == 0) {
        rc = edit_writable(e, op->path, plen, &n, &parent);
        if (!rc)
            rc = node_touch(e, n, op->path, plen);
    } else if (rc == XEN_ENOENT) {
        rc = edit_create(e, op->path, have, &n, &parent);
    }
    if (!rc && op->type == XS_WRITE)
        rc = node_set_value(n, op->data, op->len);
    if (!rc)
        rc = size_check(e, n);
    if (!rc)
        rc = edit_event(e, op->path, false, &n->perms, parent ? &parent->perms : NULL, NULL);
    return rc;
}

/* Path length of path's parent ("/" for a top-level node). */
static size_t parent_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash == path ? 1 : (size_t)(slash - path);
}

struct rm_frame {
    struct xs_node *n;
    uint32_t next_kid;
    size_t plen;
};

/*
 * Events and node counts for a subtree about to go: a watch on any node in
 * it fires (the top one for watches above it too), each node is uncounted
 * from its owner. Iterative, for the same reason as node_put.
 */
static int rm_subtree(struct xs_edit *e, const char *path, struct xs_node *top,
                      struct xs_node *top_parent)
{
    size_t cap = 16, depth = 0, plen = strlen(path);
    struct rm_frame *st = malloc(cap * sizeof(*st));
    char *buf = malloc(XENSTORE_ABS_PATH_MAX + 2);
    int rc = (st && buf) ? 0 : XEN_ENOMEM;

    if (!rc) {
        memcpy(buf, path, plen + 1);
        st[depth++] = (struct rm_frame){ top, 0, plen };
        rc = edit_event(e, buf, false, &top->perms, &top_parent->perms, NULL);
        if (!rc)
            rc = edit_acct(e, top->perms.p[0].domid, -1);
    }
    while (!rc && depth) {
        struct rm_frame *f = &st[depth - 1];
        struct xs_node *k, *up = f->n;
        size_t klen, kplen;

        if (f->next_kid == up->nkids) {
            depth--;
            continue;
        }
        k = up->kids[f->next_kid++];
        klen = strlen(k->name);
        kplen = f->plen + 1 + klen;
        if (kplen > XENSTORE_ABS_PATH_MAX + 1) {
            rc = XEN_EIO;               /* a path no request could have made */
            break;
        }
        buf[f->plen] = '/';
        memcpy(buf + f->plen + 1, k->name, klen + 1);
        rc = edit_event(e, buf, true, &k->perms, &up->perms, NULL);
        if (!rc)
            rc = edit_acct(e, k->perms.p[0].domid, -1);
        if (!rc && depth == cap) {
            struct rm_frame *bigger = realloc(st, 2 * cap * sizeof(*st));

            if (!bigger)
                rc = XEN_ENOMEM;
            else {
                st = bigger;
                cap *= 2;
            }
        }
        if (!rc)
            st[depth++] = (struct rm_frame){ k, 0, kplen };
    }
    free(st);
    free(buf);
    return rc;
}

/* XS_RM: the node and everything below it; a missing node is fine if its parent exists. */
static int store_rm(struct xs_edit *e, const struct xs_op *op)
{
    size_t plen = strlen(op->path), up = parent_len(op->path), have;
    struct xs_node *n, *parent;
    uint32_t idx;
    int rc = tree_get(e->c, e->root, op->path, XS_PERM_WRITE, &n, &have);

    if (e->tx && (rc == 0 || rc == XEN_ENOENT)) {
        int rec = tx_record(e->tx, e->c, op->path, plen, n ? n->gen : 0);

        if (rec)
            return rec;
    }
    if (rc == XEN_ENOENT)
        return have == up ? 0 : XEN_ENOENT;
    if (rc)
        return rc;
    if (plen == 1)
        return XEN_EINVAL;              /* the root stays */
    rc = edit_writable(e, op->path, up, &parent, NULL);
    if (!rc)
        rc = node_touch(e, parent, op->path, up);
    if (rc)
        return rc;
    node_child(parent, op->path + up + (up > 1), plen - up - (up > 1), &idx);
    rc = rm_subtree(e, op->path, parent->kids[idx], parent);
    if (!rc)
        node_put(node_remove_child(parent, idx));
    return rc;
}

/* XS_SET_PERMS: owners and dom0 only; only dom0 may give a node away. */
static int store_set_perms(struct xs_edit *e, const struct xs_op *op)
{
    size_t plen = strlen(op->path);
    struct xs_node *n, *parent;
    struct xs_perms old;
    int rc = tree_get(e->c, e->root, op->path, XS_PERM_WRITE | XS_PERM_OWNER, &n, NULL);

    if (e->tx && (rc == 0 || rc == XEN_ENOENT)) {
        int rec = tx_record(e->tx, e->c, op->path, plen, n ? n->gen : 0);

        if (rec)
            return rec;
    }
    if (rc)
        return rc;
    if (!e->c->privileged && op->perms.p[0].domid != n->perms.p[0].domid)
        return XEN_EPERM;
    rc = edit_writable(e, op->path, plen, &n, &parent);
    if (!rc)
        rc = node_touch(e, n, op->path, plen);
    if (!rc)
        rc = perms_copy(&old, &n->perms);
    if (rc)
        return rc;
    perms_free(&n->perms);
    rc = perms_copy(&n->perms, &op->perms);
    if (!rc)
        rc = edit_acct(e, old.p[0].domid, -1);
    if (!rc)
        rc = edit_acct(e, n->perms.p[0].domid, 1);
    if (!rc)
        rc = size_check(e, n);
    if (!rc)
        rc = edit_event(e, op->path, false, &old, &n->perms, parent ? &parent->perms : NULL);
    perms_free(&old);
    return rc;
}

int store_apply(struct xs_edit *e, const struct xs_op *op)
{
    switch (op->type) {
    case XS_WRITE:
    case XS_MKDIR:
        return store_write(e, op);
    case XS_RM:
        return store_rm(e, op);
    case XS_SET_PERMS:
        return store_set_perms(e, op);
    default:
        return XEN_EINVAL;
    }
}
