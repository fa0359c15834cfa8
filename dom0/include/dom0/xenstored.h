/*
 * xenstored: Sable's XenStore server, run by dom0 (docs/dom0.md).
 *
 * The store is a tree of nodes, each with a value, children and a
 * permission list; clients talk Xen's wire protocol
 * (include/public/io/xs_wire.h) over connections. A connection belongs to a
 * domain: domain 0 is privileged (every node, every request), others see
 * what node permissions grant them and are held to quotas.
 *
 * The server is portable C: dom0 runs it over XenStore ring pages, the host
 * unit tests run it over in-memory rings and byte streams. It reaches other
 * domains only through struct xs_server_ops (map a ring page, bind and
 * signal an event channel), supplied by whoever runs it.
 *
 * Single-threaded: call everything from one context.
 */
#ifndef DOM0_XENSTORED_H
#define DOM0_XENSTORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "public/xen.h"
#include "public/io/xs_wire.h"

struct xs_store;
struct xs_conn;

/*
 * How the server reaches domains. map_ring and bind_evtchn may fail
 * (NULL, negative); a NULL member makes the corresponding request fail.
 * notify signals a local port after the server produced or consumed bytes.
 */
struct xs_server_ops {
    struct xenstore_domain_interface *(*map_ring)(void *priv, domid_t domid, uint64_t gfn);
    void (*unmap_ring)(void *priv, domid_t domid, struct xenstore_domain_interface *intf);
    int (*bind_evtchn)(void *priv, domid_t domid, uint32_t remote_port);
    void (*unbind_evtchn)(void *priv, int local_port);
    void (*notify)(void *priv, int local_port);
    void *priv;
};

/*
 * Limits for unprivileged domains (domain 0 has none), Xen's defaults.
 * Exceeding one answers ENOSPC, and never affects other domains.
 */
struct xs_quota {
    uint32_t nodes;             /* nodes a domain may own (1000) */
    uint32_t node_size;         /* value + child names + permissions, bytes (2048) */
    uint32_t watches;           /* watches per connection (128) */
    uint32_t transactions;      /* open transactions per connection (10) */
    uint32_t perms;             /* entries in one permission list (5) */
    uint32_t tx_nodes;          /* nodes one transaction may touch (1024) */
    uint32_t out_bytes;         /* queued output before a client is throttled (64 KiB) */
    uint32_t burst;             /* requests served per connection per poll (8) */
};

/* Counters for the shell and for leak checks. */
struct xs_stats {
    uint32_t nodes;             /* nodes in the live tree */
    uint32_t connections;
    uint32_t watches;
    uint32_t transactions;
    uint64_t requests;
    uint64_t events_dropped;    /* watch events not queued: client over out_bytes */
};

struct xs_store *xs_store_create(const struct xs_server_ops *ops);
void xs_store_destroy(struct xs_store *s);
struct xs_quota *xs_store_quota(struct xs_store *s);
void xs_store_stats(const struct xs_store *s, struct xs_stats *st);

/*
 * A connection for domid over a ring page the caller already has (dom0's
 * own loopback ring, rings given by the host tests); local_port is passed
 * to ops->notify. NULL when out of memory or domid already has one.
 */
struct xs_conn *xs_conn_ring(struct xs_store *s, domid_t domid,
                             struct xenstore_domain_interface *intf, int local_port);
/*
 * A connection without a ring: bytes go in with xs_conn_feed and out with
 * xs_conn_drain (tests; later the host management channel). It counts as
 * domid's connection but is not an introduced domain.
 */
struct xs_conn *xs_conn_stream(struct xs_store *s, domid_t domid);
void xs_conn_close(struct xs_conn *c);

/* Process bytes from the client; every complete request is answered. */
void xs_conn_feed(struct xs_conn *c, const void *data, size_t len);
/* Take up to len queued output bytes; returns the count. */
size_t xs_conn_drain(struct xs_conn *c, void *buf, size_t len);
/* Output bytes queued for the client. */
size_t xs_conn_pending(const struct xs_conn *c);
/* A ring connection whose indices or messages were impossible stops. */
bool xs_conn_broken(const struct xs_conn *c);

/*
 * Serve every ring connection once: at most quota.burst requests each,
 * then queued output into its ring. Returns true if anything moved (call
 * again until false when woken by an event).
 */
bool xs_poll(struct xs_store *s);

#endif /* DOM0_XENSTORED_H */
