/*
 * storm: a domain dom0's toolstack made that floods both things dom0
 * serves for it, as fast as it can, for ms= milliseconds (default 5000):
 *
 *   - its console ring (dom0's console back-end): numbered lines written
 *     whenever the ring has room, the port signalled each time;
 *   - the XenStore (dom0's xenstored): XS_WRITE requests to data/storm/<n>
 *     (n cycling over more nodes than its quota allows) queued whenever the
 *     request ring has room, replies thrown away unread (read=1: consumed
 *     as they come), so xenstored has to stop serving it.
 *
 * Nothing waits for dom0: when neither ring has room the vCPU yields. At
 * the end, on the hypervisor console:
 *
 *   STORM lines=<n> store_requests=<r> replies=<b bytes>
 *
 * The integration test checks that meanwhile another domain's console and
 * dom0's shell answer as usual.
 */
#include <guest/console_ring.h>
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <guest/time.h>

#include "public/io/console.h"
#include "public/io/xs_wire.h"

const char test_title[] = "storm: floods its console ring and the XenStore";

#define STORE_NODES 1500            /* more than a domain's quota of 1000 */

static struct xenstore_domain_interface *store;
static evtchn_port_t store_port;

/* One line into the console ring if it fits whole; false if no room. */
static bool console_line(uint64_t n)
{
    struct xencons_interface *r = console_ring_page();
    char line[64];
    int len = snprintf(line, sizeof(line), "storm: line %lu of a console flood\n",
                       (unsigned long)n);
    uint32_t prod = r->out_prod;

    if (XENCONS_OUT_SIZE - (prod - __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE)) <
        (uint32_t)len)
        return false;
    for (int i = 0; i < len; i++)
        r->out[MASK_XENCONS_IDX(prod + i, r->out)] = line[i];
    __atomic_store_n(&r->out_prod, prod + len, __ATOMIC_RELEASE);
    evtchn_send(console_ring_port());
    return true;
}

/* One XS_WRITE into the request ring if it fits whole; false if no room. */
static bool store_request(uint64_t n)
{
    char msg[sizeof(struct xsd_sockmsg) + 64];
    struct xsd_sockmsg *h = (struct xsd_sockmsg *)msg;
    int plen = snprintf(msg + sizeof(*h), sizeof(msg) - sizeof(*h), "data/storm/%lu",
                        (unsigned long)(n % STORE_NODES));
    uint32_t len, prod = store->req_prod;

    plen += 1;                          /* the path's NUL, then the value */
    plen += snprintf(msg + sizeof(*h) + plen, sizeof(msg) - sizeof(*h) - plen, "%lu",
                     (unsigned long)n);
    *h = (struct xsd_sockmsg){ .type = XS_WRITE, .req_id = (uint32_t)n, .len = (uint32_t)plen };
    len = sizeof(*h) + (uint32_t)plen;
    if (XENSTORE_RING_SIZE - (prod - __atomic_load_n(&store->req_cons, __ATOMIC_ACQUIRE)) < len)
        return false;
    for (uint32_t i = 0; i < len; i++)
        store->req[MASK_XENSTORE_IDX(prod + i)] = msg[i];
    __atomic_store_n(&store->req_prod, prod + len, __ATOMIC_RELEASE);
    evtchn_send(store_port);
    return true;
}

/* read=1: take whatever replies came (bytes), without looking at them. */
static uint64_t consume_replies(void)
{
    uint32_t prod = __atomic_load_n(&store->rsp_prod, __ATOMIC_ACQUIRE);
    uint32_t n = prod - store->rsp_cons;

    if (n > XENSTORE_RING_SIZE)
        return 0;                       /* nonsense from the server: leave it */
    __atomic_store_n(&store->rsp_cons, prod, __ATOMIC_RELEASE);
    if (n)
        evtchn_send(store_port);
    return n;
}

void test_main(void)
{
    uint64_t deadline = time_now() + cmdline_get_ulong("ms", 5000) * NSEC_PER_MSEC;
    bool read = cmdline_get_ulong("read", 0);
    uint64_t lines = 0, requests = 0, replies = 0;

    mm_init();
    if (!CHECK_RC("storm-console-ring", console_ring_init(), 0) ||
        !CHECK_RC("storm-physmap", mm_physmap_init(), 0) ||
        !check("storm-store-given", start_info->store_mfn && start_info->store_evtchn,
               "store mfn %#lx port %u", start_info->store_mfn, start_info->store_evtchn))
        return;
    store = mfn_to_virt(start_info->store_mfn);
    store_port = start_info->store_evtchn;
    events_disable();
    printf("storm: flooding the console ring and the store for %lu ms\n",
           (unsigned long)cmdline_get_ulong("ms", 5000));
    while (time_now() < deadline) {
        bool busy = false;

        for (int i = 0; i < 16 && console_line(lines); i++, busy = true)
            lines++;
        for (int i = 0; i < 16 && store_request(requests); i++, busy = true)
            requests++;
        if (read)
            replies += consume_replies();
        if (!busy)
            hypercall_sched_op(SCHEDOP_yield, NULL);
    }
    printf("STORM lines=%lu store_requests=%lu replies=%lu\n", (unsigned long)lines,
           (unsigned long)requests, (unsigned long)replies);
    check("storm-flooded", lines > 0 && requests > 0, "lines %lu requests %lu",
          (unsigned long)lines, (unsigned long)requests);
}
