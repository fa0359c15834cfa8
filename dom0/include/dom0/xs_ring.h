/*
 * The byte rings of a XenStore page (struct xenstore_domain_interface,
 * include/public/io/xs_wire.h): the one place that does their arithmetic,
 * for the server (xenstored) and for clients alike.
 *
 * Each direction is a 1024-byte ring with free-running 32-bit indices: byte
 * x of the stream is at ring[x & 1023], prod - cons bytes are waiting and
 * never more than 1024. The far side is another domain, so its index may be
 * anything: a ring whose indices are impossible (more than 1024 bytes
 * apart) is reported, never used.
 *
 * Reader: read prod, read barrier, copy, full barrier, advance cons.
 * Writer: read cons, full barrier, copy, write barrier, advance prod.
 * Signalling the event channel afterwards is the caller's business.
 */
#ifndef DOM0_XS_RING_H
#define DOM0_XS_RING_H

#include <stddef.h>
#include <stdint.h>
#include "public/io/xs_wire.h"

#define XS_RING_BAD     (-1)    /* the indices are impossible */

/*
 * Copy up to len bytes out of ring (consumer side), advancing *cons.
 * Returns the count (0 when empty) or XS_RING_BAD.
 */
int xs_ring_get(const char *ring, volatile XENSTORE_RING_IDX *cons,
                const volatile XENSTORE_RING_IDX *prod, void *dst, size_t len);
/*
 * Copy up to len bytes into ring (producer side), advancing *prod.
 * Returns the count (0 when full) or XS_RING_BAD.
 */
int xs_ring_put(char *ring, const volatile XENSTORE_RING_IDX *cons,
                volatile XENSTORE_RING_IDX *prod, const void *src, size_t len);

/* Server side: requests in, replies and watch events out. */
static inline int xs_ring_read_request(struct xenstore_domain_interface *intf, void *dst,
                                       size_t len)
{
    return xs_ring_get(intf->req, &intf->req_cons, &intf->req_prod, dst, len);
}

static inline int xs_ring_write_response(struct xenstore_domain_interface *intf,
                                         const void *src, size_t len)
{
    return xs_ring_put(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, src, len);
}

/* Client side: requests out, replies in. */
static inline int xs_ring_write_request(struct xenstore_domain_interface *intf,
                                        const void *src, size_t len)
{
    return xs_ring_put(intf->req, &intf->req_cons, &intf->req_prod, src, len);
}

static inline int xs_ring_read_response(struct xenstore_domain_interface *intf, void *dst,
                                        size_t len)
{
    return xs_ring_get(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, dst, len);
}

#endif /* DOM0_XS_RING_H */
