/*
 * How dom0's xenstored reaches other domains (struct xs_server_ops): a
 * domain's store ring is its frame mapped into dom0 (dom0/xc.h), its event
 * channel the unbound port the builder made, bound here as a back-end port
 * (dom0/xc.h: its events only wake dom0, whose loop serves xenstored
 * anyway, and it stays masked until the loop has been round).
 */
#include <guest/events.h>
#include <guest/guest.h>

#include <dom0/xc.h>

#include "dom0.h"

static struct xenstore_domain_interface *ops_map(void *priv, domid_t dom, uint64_t gfn)
{
    void *va;

    return xc_map_foreign(dom, gfn, &va) ? NULL : va;
}

static void ops_unmap(void *priv, domid_t dom, struct xenstore_domain_interface *intf)
{
    xc_unmap_foreign(intf);
}

static int ops_bind(void *priv, domid_t dom, uint32_t remote_port)
{
    return xc_evtchn_bind_interdomain(dom, remote_port);
}

static void ops_unbind(void *priv, int port)
{
    xc_evtchn_close((uint32_t)port);
}

static void ops_notify(void *priv, int port)
{
    if (port > 0)                       /* 0: dom0's own loopback ring */
        evtchn_send((evtchn_port_t)port);
}

const struct xs_server_ops dom0_xs_ops = {
    .map_ring = ops_map, .unmap_ring = ops_unmap,
    .bind_evtchn = ops_bind, .unbind_evtchn = ops_unbind,
    .notify = ops_notify,
};
