/*
 * xenbus: a PV domain built by dom0's toolstack talks to dom0's xenstored
 * as Linux's xenbus does: over the ring page and event channel that
 * start_info names (store_mfn, store_evtchn). It reads its XenStore home
 * (name, domid), offers control/feature-poweroff and -reboot, is refused
 * writes outside its home, watches control/shutdown and acts on the
 * request the toolstack writes there (`shutdown NAME` / `reboot NAME` in
 * dom0's shell), acknowledging it by writing "" back in a transaction as
 * Linux's drivers/xen/manage.c does.
 *
 *   [name=<expected XenStore name>] [wait_s=60]
 *
 * Prints `xenbus: ready for shutdown` once it waits, and
 * `xenbus: shutdown request 'poweroff'` (or 'reboot') when asked; a
 * poweroff ends with the verdict, a reboot asks the hypervisor for one.
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <guest/time.h>

#include "public/io/xs_wire.h"

const char test_title[] = "xenbus: a XenStore client on dom0's xenstored";

#define XS_WAIT     (10 * NSEC_PER_SEC)
#define MIN(a, b)   ((a) < (b) ? (a) : (b))

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static uint32_t next_req = 1;
static bool watch_fired;            /* an XS_WATCH_EVENT came since last cleared */
static char reply[XENSTORE_PAYLOAD_MAX + 1];

/* Poll the store's port until cond or the deadline (events masked). */
static bool wait_ring(bool (*cond)(void), uint64_t deadline)
{
    evtchn_port_t ports[1] = { port };
    struct sched_poll poll = { .ports = guest_handle_from_ptr(ports), .nr_ports = 1 };

    for (;;) {
        evtchn_clear(port);
        barrier();
        if (cond())
            return true;
        if (time_now() >= deadline)
            return false;
        poll.timeout = deadline;
        hypercall_sched_op(SCHEDOP_poll, &poll);
    }
}

static bool req_space(void)
{
    return ring->req_prod - __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE) <
           XENSTORE_RING_SIZE;
}

static bool rsp_data(void)
{
    return __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE) != ring->rsp_cons;
}

static bool ring_write(const void *data, size_t len)
{
    const char *p = data;

    while (len) {
        uint32_t prod = ring->req_prod, space, n;
        if (!wait_ring(req_space, time_now() + XS_WAIT))
            return false;
        space = XENSTORE_RING_SIZE - (prod - ring->req_cons);
        n = MIN(MIN((uint32_t)len, space), XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod));
        memcpy(ring->req + MASK_XENSTORE_IDX(prod), p, n);
        __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELEASE);
        evtchn_send(port);
        p += n;
        len -= n;
    }
    return true;
}

static bool ring_read(void *data, size_t len, uint64_t deadline)
{
    char *p = data;

    while (len) {
        uint32_t cons = ring->rsp_cons, n;
        if (!wait_ring(rsp_data, deadline))
            return false;
        n = MIN((uint32_t)len, __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE) - cons);
        n = MIN(n, XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons));
        memcpy(p, ring->rsp + MASK_XENSTORE_IDX(cons), n);
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        evtchn_send(port);
        p += n;
        len -= n;
    }
    return true;
}

/* The next message into reply (NUL-terminated); its header in *h. */
static bool read_msg(struct xsd_sockmsg *h, uint64_t deadline)
{
    if (!ring_read(h, sizeof(*h), deadline) || h->len > XENSTORE_PAYLOAD_MAX)
        return false;
    if (!ring_read(reply, h->len, deadline))
        return false;
    reply[h->len] = 0;
    return true;
}

/*
 * One request (payload: one or two strings, the first NUL-terminated);
 * watch events on the way are noted. The reply's type, or -1 when the
 * store does not answer.
 */
static long xs_request(uint32_t type, uint32_t tx, const char *a, const char *b)
{
    /* A written value has no NUL of its own; a watch's token does. */
    size_t blen = b ? strlen(b) + (type == XS_WATCH || type == XS_UNWATCH) : 0;
    struct xsd_sockmsg h = { .type = type, .req_id = next_req++, .tx_id = tx,
                             .len = (uint32_t)(strlen(a) + 1 + blen) };
    uint64_t deadline = time_now() + XS_WAIT;

    if (!ring_write(&h, sizeof(h)) || !ring_write(a, strlen(a) + 1) ||
        (b && !ring_write(b, blen)))
        return -1;
    for (;;) {
        struct xsd_sockmsg r;
        if (!read_msg(&r, deadline))
            return -1;
        if (r.type == XS_WATCH_EVENT) {
            watch_fired = true;
            continue;
        }
        if (r.req_id == h.req_id)
            return r.type;
    }
}

/* XS_READ: 0 and the value in reply, or -1. */
static int xs_read_str(uint32_t tx, const char *path)
{
    return xs_request(XS_READ, tx, path, NULL) == XS_READ ? 0 : -1;
}

static bool xs_write_ok(uint32_t tx, const char *path, const char *value)
{
    return xs_request(XS_WRITE, tx, path, value) == XS_WRITE;
}

/* Wait for a watch event (one may have come with an earlier reply). */
static bool wait_watch(uint64_t deadline)
{
    struct xsd_sockmsg h;

    while (!watch_fired) {
        if (!read_msg(&h, deadline))
            return false;
        watch_fired = h.type == XS_WATCH_EVENT;
    }
    watch_fired = false;
    return true;
}

/* A decimal number (a transaction id), 0 if there is none. */
static uint32_t decimal(const char *s)
{
    uint32_t v = 0;

    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint32_t)(*s++ - '0');
    return v;
}

/* control/shutdown's request, acknowledged with "" in a transaction; "" if none. */
static void take_request(char *req, size_t size)
{
    long type = xs_request(XS_TRANSACTION_START, 0, "", NULL);
    uint32_t tx = type == XS_TRANSACTION_START ? decimal(reply) : 0;

    req[0] = 0;
    if (!tx)
        return;
    if (xs_read_str(tx, "control/shutdown") == 0)
        strlcpy(req, reply, size);
    if (req[0])
        xs_write_ok(tx, "control/shutdown", "");
    if (xs_request(XS_TRANSACTION_END, tx, "T", NULL) != XS_TRANSACTION_END)
        req[0] = 0;                     /* changed under us: the next event retries */
}

static void serve_shutdown(uint64_t wait)
{
    uint64_t deadline = time_now() + wait;
    char req[32] = "";

    CHECK_EQ("xenbus-watch", xs_request(XS_WATCH, 0, "control/shutdown", "shutdown"),
             (long)XS_WATCH);
    /* A watch fires once when set (Xen's semantics): nothing asked yet. */
    check("xenbus-watch-initial-event", wait_watch(time_now() + XS_WAIT), "no event");
    take_request(req, sizeof(req));
    printf("xenbus: ready for shutdown\n");
    while (!req[0] && wait_watch(deadline))
        take_request(req, sizeof(req));
    if (!check("xenbus-shutdown-request", req[0] != 0, "nothing asked in %lu s",
               (unsigned long)(wait / NSEC_PER_SEC)))
        return;
    printf("xenbus: shutdown request '%s'\n", req);
    if (!strcmp(req, "reboot")) {
        struct sched_shutdown s = { .reason = SHUTDOWN_reboot };
        hypercall_sched_op(SCHEDOP_shutdown, &s);
    }
    check("xenbus-shutdown-poweroff", !strcmp(req, "poweroff"), "request '%s'", req);
}

void test_main(void)
{
    char want[32] = "", path[64];
    uint64_t wait = cmdline_get_ulong("wait_s", 60) * NSEC_PER_SEC;

    cmdline_get("name", want, sizeof(want));
    mm_init();
    if (!CHECK_RC("xenbus-physmap", mm_physmap_init(), 0))
        return;
    if (!check("xenbus-store-given", start_info->store_mfn && start_info->store_evtchn,
               "store mfn %#lx port %u", start_info->store_mfn, start_info->store_evtchn))
        return;
    ring = mfn_to_virt(start_info->store_mfn);
    port = start_info->store_evtchn;
    events_disable();
    if (!check("xenbus-read-name", xs_read_str(0, "name") == 0 && (!want[0] || !strcmp(reply, want)),
               "name '%s' (want '%s')", reply, want))
        return;
    printf("xenbus: name = %s\n", reply);
    if (CHECK_EQ("xenbus-read-domid", xs_read_str(0, "domid"), 0)) {
        printf("xenbus: domid = %s\n", reply);
        snprintf(path, sizeof(path), "/local/domain/%s/name", reply);
        check("xenbus-read-absolute", xs_read_str(0, path) == 0 &&
              (!want[0] || !strcmp(reply, want)), "'%s'", reply);
    }
    check("xenbus-feature-poweroff", xs_write_ok(0, "control/feature-poweroff", "1"), "refused");
    check("xenbus-feature-reboot", xs_write_ok(0, "control/feature-reboot", "1"), "refused");
    /* Outside its home, and the toolstack's own nodes in it, are not its to write. */
    CHECK_EQ("xenbus-write-dom0-refused",
             xs_request(XS_WRITE, 0, "/local/domain/0/name", "pwned"), (long)XS_ERROR);
    check("xenbus-write-dom0-eacces", !strcmp(reply, "EACCES"), "error %s", reply);
    CHECK_EQ("xenbus-write-own-name-refused", xs_request(XS_WRITE, 0, "name", "pwned"),
             (long)XS_ERROR);
    serve_shutdown(wait);
}
