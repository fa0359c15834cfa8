/*
 * A XenStore client over a ring page: the requests of the wire protocol
 * as functions (xs_read, xs_write, ...), watch events queued as they come.
 * dom0's shell uses it on its loopback ring to its own xenstored; the same
 * code serves PV test kernels and the host unit tests.
 *
 * The transport is a struct xenstore_domain_interface and two hooks: kick
 * (tell the server requests are waiting: an event channel send) and wait
 * (until the server may have answered: block on the event channel, or run
 * the server in the loopback case; false means give up).
 *
 * Results: 0, a positive XEN_E* error the server answered (XS_ERROR with
 * its name), or XS_CLIENT_EIO when the transport failed or gave up.
 */
#ifndef DOM0_XS_CLIENT_H
#define DOM0_XS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "public/io/xs_wire.h"

#define XS_CLIENT_EIO       (-1)
#define XS_CLIENT_EVENTS    16      /* queued watch events; more are dropped */

struct xs_client_ops {
    void (*kick)(void *priv);
    bool (*wait)(void *priv);
    void *priv;
};

struct xs_client_event {
    char *path, *token;
};

struct xs_client {
    struct xenstore_domain_interface *intf;
    struct xs_client_ops ops;
    uint32_t next_req;

    /* Incoming message being assembled. */
    struct xsd_sockmsg hdr;
    uint32_t hdr_got, got;
    char *in;                   /* XENSTORE_PAYLOAD_MAX + 1 */
    char *out;                  /* header + payload of a request */

    /* The reply to the request in flight, once it came. */
    bool have_reply;
    struct xsd_sockmsg reply;
    char *reply_data;           /* XENSTORE_PAYLOAD_MAX + 1, NUL after the payload */

    struct xs_client_event events[XS_CLIENT_EVENTS];
    uint32_t ev_first, ev_count, ev_dropped;
    struct xs_client_event ev_last;     /* handed out by xs_next_event */
};

int xs_client_init(struct xs_client *cl, struct xenstore_domain_interface *intf,
                   const struct xs_client_ops *ops);
void xs_client_fini(struct xs_client *cl);

/*
 * Send one request and wait for its reply. The reply's payload is
 * cl->reply_data (with a NUL after it), its length *len if len != NULL.
 */
int xs_client_request(struct xs_client *cl, uint32_t type, uint32_t tx_id,
                      const void *payload, uint32_t plen, uint32_t *len);

/* The common requests; tx is a transaction id or 0. */
int xs_read(struct xs_client *cl, uint32_t tx, const char *path, const char **value,
            uint32_t *len);
int xs_write(struct xs_client *cl, uint32_t tx, const char *path, const void *value,
             uint32_t len);
int xs_write_str(struct xs_client *cl, uint32_t tx, const char *path, const char *value);
int xs_mkdir(struct xs_client *cl, uint32_t tx, const char *path);
int xs_rm(struct xs_client *cl, uint32_t tx, const char *path);
/* Child names, NUL-separated, in *names (len bytes). */
int xs_directory(struct xs_client *cl, uint32_t tx, const char *path, const char **names,
                 uint32_t *len);
int xs_get_perms(struct xs_client *cl, uint32_t tx, const char *path, const char **perms,
                 uint32_t *len);
/* perms: n strings such as "n0", "r5". */
int xs_set_perms(struct xs_client *cl, uint32_t tx, const char *path,
                 const char *const *perms, unsigned int n);
int xs_watch(struct xs_client *cl, const char *path, const char *token);
int xs_unwatch(struct xs_client *cl, const char *path, const char *token);
int xs_transaction_start(struct xs_client *cl, uint32_t *tx);
int xs_transaction_end(struct xs_client *cl, uint32_t tx, bool commit);

/*
 * Read whatever the server has sent without waiting; true if a watch
 * event is queued. xs_next_event hands the oldest one over (strings valid
 * until the next call).
 */
bool xs_client_pump(struct xs_client *cl);
bool xs_next_event(struct xs_client *cl, const char **path, const char **token);

#endif /* DOM0_XS_CLIENT_H */
