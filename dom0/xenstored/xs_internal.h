/*
 * xenstored's internals, shared by its files (the interface is
 * dom0/include/dom0/xenstored.h):
 *
 *   node.c         nodes, permission lists, the copy-on-write tree
 *   path.c         client names -> canonical absolute paths
 *   store.c        the operations on a tree, with permissions, quotas,
 *                  transaction bookkeeping and watch events
 *   transaction.c  snapshots, conflict detection, commit
 *   watch.c        watches and their events
 *   conn.c         connections: byte streams, output queues, rings
 *   proto.c        one handler per message type
 *   server.c       the store's life, introduce / release of domains
 *
 * Errors inside the server are positive XEN_E* numbers (0 = success); a
 * handler's error becomes an XS_ERROR reply with Xen's name for it.
 *
 * The tree is persistent: a node may be shared by several trees (the live
 * one and transaction snapshots), counted in refs. A change copies the
 * nodes on its path that are shared (store.c, edit_writable), so a
 * snapshot is one reference to the root and an aborted change is dropping
 * its copy. Within one tree a node has exactly one parent.
 */
#ifndef XS_INTERNAL_H
#define XS_INTERNAL_H

#include <dom0/libc.h>
#include <dom0/xenstored.h>
#include "public/errno.h"

/* Access bits of a permission entry, as Xen's libxenstore numbers them. */
#define XS_PERM_NONE    0
#define XS_PERM_READ    1
#define XS_PERM_WRITE   2
#define XS_PERM_BOTH    (XS_PERM_READ | XS_PERM_WRITE)
#define XS_PERM_OWNER   4       /* never stored: what owners and dom0 have */

/* Longest "/local/domain/<domid>". */
#define XS_HOME_MAX     24

struct xs_perm {
    domid_t domid;
    uint8_t access;             /* XS_PERM_NONE / READ / WRITE / BOTH */
};

/* p[0]: the owner, and the access of every domain not listed after it. */
struct xs_perms {
    uint32_t n;
    struct xs_perm *p;
};

struct xs_node {
    uint32_t refs;              /* trees and parents holding this node */
    uint64_t gen;               /* store generation of the last change to it */
    struct xs_node *free_next;  /* node_put's work list */
    struct xs_perms perms;
    char *value;                /* vlen bytes, not NUL-terminated */
    uint32_t vlen;
    struct xs_node **kids;      /* in creation order */
    uint32_t nkids, kcap;
    uint32_t kids_bytes;        /* sum of strlen(kid name) + 1 */
    char name[];                /* last path component; "" for the root */
};

/* A change in domain d's node count not yet applied to the store. */
struct xs_acct {
    domid_t domid;
    int32_t delta;
};

struct xs_acct_list {
    struct xs_acct *v;
    uint32_t n, cap;
};

/* A watch event waiting for its change to become visible. */
struct xs_event {
    struct xs_event *next;
    char *path;
    bool exact;                 /* fire only watches on this very path */
    uint8_t npsets;
    struct xs_perms psets[3];   /* a watcher that may read any of these sees it */
};

struct xs_watch {
    struct xs_watch *next;
    char *path;                 /* canonical, or "@..." */
    char *token;
    uint32_t prefix_len;        /* registered relative: strip the home prefix */
};

/* A change, as a transaction logs it for replay at commit. */
struct xs_op {
    struct xs_op *next;
    uint32_t type;              /* XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS */
    char *path;                 /* canonical */
    char *data;                 /* XS_WRITE value */
    uint32_t len;
    struct xs_perms perms;      /* XS_SET_PERMS */
};

/* A node a transaction looked at or changed, as it was first seen. */
struct xs_access {
    char *path;
    uint32_t hash;
    uint64_t gen;               /* 0: absent */
};

struct xs_tx {
    struct xs_tx *next;
    uint32_t id;
    struct xs_node *root;       /* the transaction's own tree */
    struct xs_access *acc;
    uint32_t nacc, acc_cap;
    struct xs_op *ops, **ops_tail;
    struct xs_acct_list acct;   /* node counts changed by its operations */
    int failed;                 /* an error that makes the commit fail */
};

struct xs_out {
    struct xs_out *next;
    uint32_t len;               /* header + payload */
    char data[];
};

struct xs_conn {
    struct xs_conn *next;
    struct xs_store *s;
    domid_t domid;
    bool privileged;
    bool introduced;            /* by XS_INTRODUCE: release with XS_RELEASE */
    bool dead;                  /* cut off, freed at the next conn_reap */
    char home[XS_HOME_MAX];     /* "/local/domain/<domid>" */

    /* Transport: a ring page, or a byte stream (ring == NULL). */
    struct xenstore_domain_interface *ring;
    int port;
    bool broken;

    /* Input: a header, then its payload (with a NUL after it). */
    struct xsd_sockmsg hdr;
    uint32_t hdr_got, got;
    uint32_t skip;              /* payload bytes of an oversized message left to drop */
    char *payload;              /* XENSTORE_PAYLOAD_MAX + 1 */

    /* Output: whole messages; the first may be partly written. */
    struct xs_out *out_head, *out_tail;
    uint32_t out_off;
    size_t out_bytes;

    struct xs_watch *watches;
    uint32_t nwatches;
    struct xs_tx *txs;
    uint32_t ntx, next_txid;
};

struct xs_store {
    struct xs_node *root;       /* the live tree */
    uint64_t gen;               /* last generation handed out */
    struct xs_acct_list nodes;  /* nodes owned per domain */
    struct xs_conn *conns;
    struct xs_server_ops ops;
    struct xs_quota quota;
    struct xs_stats stats;
};

/* node.c */
struct xs_node *node_new(const char *name, size_t namelen, const struct xs_perms *perms);
struct xs_node *node_clone(const struct xs_node *n);
void node_put(struct xs_node *n);
struct xs_node *node_child(const struct xs_node *n, const char *name, size_t len,
                           uint32_t *idx);
int node_add_child(struct xs_node *parent, struct xs_node *kid);
struct xs_node *node_remove_child(struct xs_node *parent, uint32_t idx);
int node_set_value(struct xs_node *n, const void *value, uint32_t len);
uint32_t node_size(const struct xs_node *n);
/* The node at a canonical path; *deepest: the last node found on the way. */
struct xs_node *node_lookup(struct xs_node *root, const char *path,
                            struct xs_node **deepest, size_t *deepest_len);
/* Next component of a canonical path after position *pos; false at the end. */
bool path_component(const char *path, size_t *pos, const char **name, size_t *len);

int perms_copy(struct xs_perms *dst, const struct xs_perms *src);
void perms_free(struct xs_perms *p);
unsigned int perms_access(const struct xs_conn *c, const struct xs_perms *p);
/* n NUL-terminated strings "r5" etc. at data; XEN_EINVAL if one is wrong. */
int perms_parse(const char *data, uint32_t n, struct xs_perms *out);
/* The list as NUL-terminated strings into buf; the length, or 0 if too small. */
uint32_t perms_format(const struct xs_perms *p, char *buf, uint32_t size);

/* path.c */
int path_canonical(const struct xs_conn *c, const char *name, bool allow_special,
                   char **out, bool *relative);
bool path_is_special(const char *path);

/* store.c: one change to a tree, applied together or not at all. */
struct xs_edit {
    struct xs_store *s;
    struct xs_conn *c;
    struct xs_tx *tx;           /* editing this transaction's tree, or the live one */
    struct xs_node *root;       /* our reference to the tree being built */
    struct xs_acct_list acct;
    struct xs_event *events, **events_tail;
};

int edit_begin(struct xs_edit *e, struct xs_store *s, struct xs_conn *c, struct xs_tx *tx);
void edit_abort(struct xs_edit *e);
/* Make the edit the new tree: live (and fire its events) or the transaction's. */
void edit_commit(struct xs_edit *e);
int store_apply(struct xs_edit *e, const struct xs_op *op);
/* The node at path in the live tree or tx's, if c has access (Xen's errors). */
int store_get(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx, const char *path,
              unsigned int access, const struct xs_node **out);
int acct_add(struct xs_acct_list *l, domid_t domid, int32_t delta);
int32_t acct_get(const struct xs_acct_list *l, domid_t domid);
void acct_free(struct xs_acct_list *l);

/* transaction.c */
struct xs_tx *tx_find(struct xs_conn *c, uint32_t id);
int tx_start(struct xs_conn *c, uint32_t *id);
int tx_end(struct xs_conn *c, struct xs_tx *tx, bool commit);
void tx_close_all(struct xs_conn *c);
int tx_record(struct xs_tx *tx, const struct xs_conn *c, const char *path, size_t len,
              uint64_t gen);
int tx_log(struct xs_tx *tx, const struct xs_op *op);
void op_free(struct xs_op *op);

/* watch.c */
int watch_add(struct xs_conn *c, const char *path, const char *token, bool relative);
int watch_remove(struct xs_conn *c, const char *path, const char *token);
void watch_remove_all(struct xs_conn *c);
void watch_fire(struct xs_store *s, const struct xs_event *ev);
void watch_fire_special(struct xs_store *s, const char *name);
void event_free(struct xs_event *ev);

/* conn.c */
struct xs_conn *conn_new(struct xs_store *s, domid_t domid);
int conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
              const void *payload, uint32_t len);
/* A watch event; dropped (and counted) when the client is over its output quota. */
void conn_send_event(struct xs_conn *c, const char *path, const char *token);
struct xs_conn *conn_find(struct xs_store *s, domid_t domid);
void conn_kill(struct xs_conn *c);
void conn_reap(struct xs_store *s);

/* proto.c */
void proto_process(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload);

/* server.c */
int domain_introduce(struct xs_conn *c, domid_t domid, uint64_t gfn, uint32_t port);
int domain_release(struct xs_conn *c, domid_t domid);
bool domain_is_introduced(struct xs_store *s, domid_t domid);

#endif /* XS_INTERNAL_H */
