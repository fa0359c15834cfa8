/*
 * Transactions. TRANSACTION_START takes a snapshot: one more reference to
 * the live root, so the start costs nothing and the snapshot never
 * changes under the client. Its requests run against that private tree
 * (store.c copies what they change) and are logged. Every node a
 * transaction reads or changes is recorded with the generation it had when
 * first seen (0: absent).
 *
 * TRANSACTION_END "T" commits only if each recorded node still has that
 * generation in the live tree (or is still absent): else EAGAIN and the
 * client retries, as Linux does. The log is then replayed against the
 * live tree as one edit, so the commit is atomic and the watches fire
 * then, never for changes that did not happen.
 */
#include "xs_internal.h"

struct xs_tx *tx_find(struct xs_conn *c, uint32_t id)
{
    for (struct xs_tx *t = c->txs; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

int tx_start(struct xs_conn *c, uint32_t *id)
{
    struct xs_store *s = c->s;
    struct xs_tx *tx;

    if (!c->privileged && c->ntx >= s->quota.transactions)
        return XEN_ENOSPC;
    tx = calloc(1, sizeof(*tx));
    if (!tx)
        return XEN_ENOMEM;
    while (c->next_txid == 0 || tx_find(c, c->next_txid))
        c->next_txid++;
    tx->id = c->next_txid++;
    tx->root = s->root;
    tx->root->refs++;
    tx->ops_tail = &tx->ops;
    tx->next = c->txs;
    c->txs = tx;
    c->ntx++;
    s->stats.transactions++;
    *id = tx->id;
    return 0;
}

void op_free(struct xs_op *op)
{
    free(op->path);
    free(op->data);
    perms_free(&op->perms);
    free(op);
}

static void tx_free(struct xs_conn *c, struct xs_tx *tx)
{
    struct xs_tx **pp = &c->txs;

    while (*pp != tx)
        pp = &(*pp)->next;
    *pp = tx->next;
    node_put(tx->root);
    for (uint32_t i = 0; i < tx->nacc; i++)
        free(tx->acc[i].path);
    free(tx->acc);
    while (tx->ops) {
        struct xs_op *op = tx->ops;

        tx->ops = op->next;
        op_free(op);
    }
    acct_free(&tx->acct);
    free(tx);
    c->ntx--;
    c->s->stats.transactions--;
}

void tx_close_all(struct xs_conn *c)
{
    while (c->txs)
        tx_free(c, c->txs);
}

static uint32_t path_hash(const char *path, size_t len)
{
    uint32_t h = 2166136261u;           /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)path[i]) * 16777619u;
    return h;
}

/* Remember path[0..len) as seen with generation gen, unless already known. */
int tx_record(struct xs_tx *tx, const struct xs_conn *c, const char *path, size_t len,
              uint64_t gen)
{
    uint32_t h = path_hash(path, len);
    struct xs_access *a;

    for (uint32_t i = 0; i < tx->nacc; i++)
        if (tx->acc[i].hash == h && !strncmp(tx->acc[i].path, path, len) &&
            tx->acc[i].path[len] == '\0')
            return 0;
    if (!c->privileged && tx->nacc >= c->s->quota.tx_nodes)
        return XEN_ENOSPC;
    if (tx->nacc == tx->acc_cap) {
        uint32_t cap = tx->acc_cap ? tx->acc_cap * 2 : 8;

        a = realloc(tx->acc, cap * sizeof(*a));
        if (!a)
            return XEN_ENOMEM;
        tx->acc = a;
        tx->acc_cap = cap;
    }
    a = &tx->acc[tx->nacc];
    a->path = malloc(len + 1);
    if (!a->path)
        return XEN_ENOMEM;
    memcpy(a->path, path, len);
    a->path[len] = '\0';
    a->hash = h;
    a->gen = gen;
    tx->nacc++;
    return 0;
}

int tx_log(struct xs_tx *tx, const struct xs_op *op)
{
    struct xs_op *copy = calloc(1, sizeof(*copy));

    if (!copy)
        return XEN_ENOMEM;
    copy->type = op->type;
    copy->len = op->len;
    copy->path = strdup(op->path);
    copy->data = op->len ? malloc(op->len) : NULL;
    if (!copy->path || (op->len && !copy->data) ||
        (op->perms.n && perms_copy(&copy->perms, &op->perms))) {
        op_free(copy);
        return XEN_ENOMEM;
    }
    if (op->len)
        memcpy(copy->data, op->data, op->len);
    *tx->ops_tail = copy;
    tx->ops_tail = &copy->next;
    return 0;
}

/* Has anything the transaction saw changed in the live tree since? */
static bool tx_conflicts(const struct xs_store *s, const struct xs_tx *tx)
{
    for (uint32_t i = 0; i < tx->nacc; i++) {
        const struct xs_node *n = node_lookup(s->root, tx->acc[i].path, NULL, NULL);

        if (tx->acc[i].gen == 0 ? n != NULL : (!n || n->gen != tx->acc[i].gen))
            return true;
    }
    return false;
}

static int tx_commit(struct xs_conn *c, struct xs_tx *tx)
{
    struct xs_edit e;
    int rc;

    if (tx->failed)
        return tx->failed;
    if (tx_conflicts(c->s, tx))
        return XEN_EAGAIN;
    edit_begin(&e, c->s, c, NULL);
    for (const struct xs_op *op = tx->ops; op; op = op->next) {
        rc = store_apply(&e, op);
        if (rc) {
            edit_abort(&e);
            return rc;
        }
    }
    edit_commit(&e);
    return 0;
}

/* End tx (gone afterwards, whatever the outcome). */
int tx_end(struct xs_conn *c, struct xs_tx *tx, bool commit)
{
    int rc = commit ? tx_commit(c, tx) : 0;

    tx_free(c, tx);
    return rc;
}
