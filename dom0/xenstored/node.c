/*
 * XenStore nodes and permission lists. A node is shared by every tree that
 * contains it (refs); nothing here knows about connections beyond the
 * permission check, or about transactions.
 */
#include "xs_internal.h"

#include <dom0/strparse.h>

struct xs_node *node_new(const char *name, size_t namelen, const struct xs_perms *perms)
{
    struct xs_node *n = calloc(1, sizeof(*n) + namelen + 1);

    if (!n)
        return NULL;
    if (perms_copy(&n->perms, perms)) {
        free(n);
        return NULL;
    }
    memcpy(n->name, name, namelen);
    n->name[namelen] = '\0';
    n->refs = 1;
    return n;
}

/* A private copy of n with the same children (each now one reference more). */
struct xs_node *node_clone(const struct xs_node *n)
{
    struct xs_node *c = node_new(n->name, strlen(n->name), &n->perms);

    if (!c)
        return NULL;
    if (n->vlen && node_set_value(c, n->value, n->vlen))
        goto fail;
    if (n->nkids) {
        c->kids = malloc(n->nkids * sizeof(*c->kids));
        if (!c->kids)
            goto fail;
        memcpy(c->kids, n->kids, n->nkids * sizeof(*c->kids));
        c->nkids = c->kcap = n->nkids;
        c->kids_bytes = n->kids_bytes;
        for (uint32_t i = 0; i < n->nkids; i++)
            c->kids[i]->refs++;
    }
    c->gen = n->gen;
    return c;

fail:
    node_put(c);
    return NULL;
}

/*
 * Drop a reference; a node nobody holds is freed with the references it
 * held. Iterative (a work list through free_next): a hostile client can
 * build paths about 1500 levels deep, and dom0's stack is 16 KiB.
 */
void node_put(struct xs_node *n)
{
    struct xs_node *work = NULL;

    if (!n || --n->refs)
        return;
    n->free_next = work;
    work = n;
    while (work) {
        struct xs_node *x = work;

        work = x->free_next;
        for (uint32_t i = 0; i < x->nkids; i++) {
            struct xs_node *k = x->kids[i];

            if (--k->refs == 0) {
                k->free_next = work;
                work = k;
            }
        }
        free(x->kids);
        free(x->value);
        perms_free(&x->perms);
        free(x);
    }
}

struct xs_node *node_child(const struct xs_node *n, const char *name, size_t len,
                           uint32_t *idx)
{
    for (uint32_t i = 0; i < n->nkids; i++) {
        const char *k = n->kids[i]->name;

        if (!strncmp(k, name, len) && k[len] == '\0') {
            if (idx)
                *idx = i;
            return n->kids[i];
        }
    }
    return NULL;
}

/* Append kid (taking over the caller's reference). */
int node_add_child(struct xs_node *parent, struct xs_node *kid)
{
    if (parent->nkids == parent->kcap) {
        uint32_t cap = parent->kcap ? parent->kcap * 2 : 4;
        struct xs_node **k = realloc(parent->kids, cap * sizeof(*k));

        if (!k)
            return XEN_ENOMEM;
        parent->kids = k;
        parent->kcap = cap;
    }
    parent->kids[parent->nkids++] = kid;
    parent->kids_bytes += strlen(kid->name) + 1;
    return 0;
}

/* Unlink child idx, keeping the others in order; the reference goes to the caller. */
struct xs_node *node_remove_child(struct xs_node *parent, uint32_t idx)
{
    struct xs_node *kid = parent->kids[idx];

    memmove(&parent->kids[idx], &parent->kids[idx + 1],
            (parent->nkids - idx - 1) * sizeof(*parent->kids));
    parent->nkids--;
    parent->kids_bytes -= strlen(kid->name) + 1;
    return kid;
}

int node_set_value(struct xs_node *n, const void *value, uint32_t len)
{
    char *v = NULL;

    if (len) {
        v = malloc(len);
        if (!v)
            return XEN_ENOMEM;
        memcpy(v, value, len);
    }
    free(n->value);
    n->value = v;
    n->vlen = len;
    return 0;
}

/* What the node-size quota counts: value, child names, permission entries. */
uint32_t node_size(const struct xs_node *n)
{
    return n->vlen + n->kids_bytes + n->perms.n * (uint32_t)sizeof(uint32_t);
}

bool path_component(const char *path, size_t *pos, const char **name, size_t *len)
{
    const char *p = path + *pos;
    const char *end;

    if (*p == '/')
        p++;
    if (!*p)
        return false;
    end = strchr(p, '/');
    *name = p;
    *len = end ? (size_t)(end - p) : strlen(p);
    *pos = (size_t)(p - path) + *len;
    return true;
}

struct xs_node *node_lookup(struct xs_node *root, const char *path,
                            struct xs_node **deepest, size_t *deepest_len)
{
    struct xs_node *n = root;
    size_t pos = 0, n_len = 1;
    const char *name;
    size_t len;

    while (path_component(path, &pos, &name, &len)) {
        struct xs_node *k = node_child(n, name, len, NULL);

        if (!k) {
            if (deepest)
                *deepest = n;
            if (deepest_len)
                *deepest_len = n_len;
            return NULL;
        }
        n = k;
        n_len = pos;
    }
    if (deepest)
        *deepest = n;
    if (deepest_len)
        *deepest_len = n_len;
    return n;
}

int perms_copy(struct xs_perms *dst, const struct xs_perms *src)
{
    dst->p = malloc(src->n * sizeof(*dst->p));
    if (!dst->p) {
        dst->n = 0;
        return XEN_ENOMEM;
    }
    memcpy(dst->p, src->p, src->n * sizeof(*dst->p));
    dst->n = src->n;
    return 0;
}

void perms_free(struct xs_perms *p)
{
    free(p->p);
    p->p = NULL;
    p->n = 0;
}

/*
 * What c may do to a node with these permissions: dom0 and the owner
 * everything, a listed domain its entry, everyone else the owner entry's
 * access (Xen's perm_for_conn).
 */
unsigned int perms_access(const struct xs_conn *c, const struct xs_perms *p)
{
    if (c->privileged || p->p[0].domid == c->domid)
        return XS_PERM_BOTH | XS_PERM_OWNER;
    for (uint32_t i = 1; i < p->n; i++)
        if (p->p[i].domid == c->domid)
            return p->p[i].access;
    return p->p[0].access;
}

static int perm_letter(char c)
{
    switch (c) {
    case 'n': return XS_PERM_NONE;
    case 'r': return XS_PERM_READ;
    case 'w': return XS_PERM_WRITE;
    case 'b': return XS_PERM_BOTH;
    default: return -1;
    }
}

int perms_parse(const char *data, uint32_t n, struct xs_perms *out)
{
    out->p = calloc(n ? n : 1, sizeof(*out->p));
    if (!out->p)
        return XEN_ENOMEM;
    out->n = n;
    for (uint32_t i = 0; i < n; i++) {
        int access = perm_letter(data[0]);
        uint64_t domid;

        if (access < 0 || !parse_decimal(data + 1, DOMID_FIRST_RESERVED - 1, &domid)) {
            perms_free(out);
            return XEN_EINVAL;
        }
        out->p[i].access = (uint8_t)access;
        out->p[i].domid = (domid_t)domid;
        data += strlen(data) + 1;
    }
    return 0;
}

uint32_t perms_format(const struct xs_perms *p, char *buf, uint32_t size)
{
    static const char letters[] = "nrwb";
    uint32_t used = 0;

    for (uint32_t i = 0; i < p->n; i++) {
        int w = snprintf(buf + used, size - used, "%c%u", letters[p->p[i].access & 3],
                         p->p[i].domid);

        if (w < 0 || (uint32_t)w + 1 > size - used)
            return 0;
        used += (uint32_t)w + 1;       /* keep the NUL */
    }
    return used;
}
