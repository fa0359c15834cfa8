/*
 * Event channels: a loopback interdomain pair (our own port bound to our
 * own unbound port), an IPI port, masking at the port and at the vCPU,
 * SCHEDOP_block and SCHEDOP_poll, closing, and bad ports.
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include "selftest.h"

static volatile unsigned int hits_a, hits_b, hits_ipi;

static void count_handler(evtchn_port_t port, void *arg)
{
    (*(volatile unsigned int *)arg)++;
}

/* Let the hypervisor deliver what is pending: a few cheap hypercalls. */
static void settle(void)
{
    for (int i = 0; i < 3; i++)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* Bind port and unmask it; false (and a FAIL line) if that fails. */
static bool watch(const char *name, evtchn_port_t port, volatile unsigned int *counter)
{
    evtchn_set_handler(port, count_handler, (void *)counter);
    return CHECK_RC(name, evtchn_unmask(port), 0);
}

/* a: unbound for ourselves; b: bound to it. Returns false if not set up. */
static bool events_loopback_setup(evtchn_port_t *a, evtchn_port_t *b)
{
    struct evtchn_status st;
    long rc;
    domid_t self;

    rc = evtchn_alloc_unbound(DOMID_SELF, a);
    if (!check("evtchn-alloc-unbound", rc == 0 && *a != 0, "rc %ld port %u", rc, *a))
        return false;
    rc = evtchn_status(*a, &st);
    check("evtchn-status-unbound", rc == 0 && st.status == EVTCHNSTAT_unbound,
          "rc %ld status %u", rc, st.status);
    self = st.u.unbound.dom;
    rc = evtchn_bind_interdomain(DOMID_SELF, *a, b);
    if (!check("evtchn-bind-interdomain", rc == 0 && *b != 0 && *b != *a, "rc %ld port %u",
               rc, *b))
        return false;
    /* Xen notifies the new local port once, for events sent while unbound. */
    check("evtchn-bind-interdomain-notifies", evtchn_is_pending(*b) && !evtchn_is_pending(*a),
          "pending: new port %d, remote port %d", evtchn_is_pending(*b), evtchn_is_pending(*a));
    rc = evtchn_status(*a, &st);
    check("evtchn-status-interdomain", rc == 0 && st.status == EVTCHNSTAT_interdomain &&
          st.u.interdomain.port == *b && st.u.interdomain.dom == self && st.vcpu == 0,
          "rc %ld status %u peer dom %u port %u (unbound said dom %u)", rc, st.status,
          st.u.interdomain.dom, st.u.interdomain.port, self);
    printf("event channels: loopback ports %u <-> %u, our domain id %u\n", *a, *b, self);
    if (!(watch("evtchn-unmask-a", *a, &hits_a) & watch("evtchn-unmask-b", *b, &hits_b)))
        return false;
    settle();
    check("evtchn-unmask-delivers-bind-notification", hits_a == 0 && hits_b == 1,
          "hits a %u b %u", hits_a, hits_b);
    return true;
}

/* A send on one end runs the other end's handler, once. */
static void events_check_send(evtchn_port_t a, evtchn_port_t b)
{
    unsigned int a0 = hits_a, b0 = hits_b;
    long rc = evtchn_send(b);

    settle();
    check("evtchn-send", rc == 0 && hits_a == a0 + 1 && hits_b == b0,
          "rc %ld, handler runs: a %u b %u (want 1 0)", rc, hits_a - a0, hits_b - b0);
    rc = evtchn_send(a);
    settle();
    check("evtchn-send-reverse", rc == 0 && hits_a == a0 + 1 && hits_b == b0 + 1,
          "rc %ld, handler runs: a %u b %u (want 1 1)", rc, hits_a - a0, hits_b - b0);
}

/* Masked at the port: stays pending, delivered by EVTCHNOP_unmask. */
static void events_check_port_mask(evtchn_port_t a, evtchn_port_t b)
{
    unsigned int before = hits_a;

    evtchn_mask(a);
    evtchn_send(b);
    settle();
    check("evtchn-masked-stays-pending", hits_a == before && evtchn_is_pending(a),
          "hits %u (was %u), pending %d", hits_a, before, evtchn_is_pending(a));
    evtchn_unmask(a);
    settle();
    check("evtchn-unmask-delivers", hits_a == before + 1 && !evtchn_is_pending(a),
          "hits %u (was %u), pending %d", hits_a, before, evtchn_is_pending(a));
}

/* Masked at the vCPU (upcall_mask): upcall_pending set, delivered on enable. */
static void events_check_upcall_mask(evtchn_port_t b)
{
    unsigned int before = hits_a;
    uint8_t pending;

    events_disable();
    evtchn_send(b);
    settle();
    pending = this_vcpu_info()->evtchn_upcall_pending;
    check("evtchn-upcall-masked", hits_a == before && pending == 1,
          "hits %u (was %u), upcall_pending %u", hits_a, before, pending);
    events_enable();
    check("evtchn-upcall-unmask-delivers", hits_a == before + 1, "hits %u (was %u)", hits_a,
          before);
}

/* SCHEDOP_block with an event pending returns at once and enables events. */
static void events_check_block(evtchn_port_t b)
{
    unsigned int before = hits_a;
    long rc;

    events_disable();
    evtchn_send(b);
    rc = hypercall_sched_op(SCHEDOP_block, NULL);
    check("sched-block-pending", rc == 0 && hits_a == before + 1, "rc %ld hits %u (was %u)",
          rc, hits_a, before);
    check("sched-block-enables-events", this_vcpu_info()->evtchn_upcall_mask == 0,
          "upcall_mask %u after block", this_vcpu_info()->evtchn_upcall_mask);
    events_enable();
}

/* SCHEDOP_poll: returns at once for a pending port, else at the timeout. */
static void events_check_poll(evtchn_port_t a, evtchn_port_t b)
{
    evtchn_port_t ports[1] = { a };
    struct sched_poll poll = { .ports = guest_handle_from_ptr(ports), .nr_ports = 1 };
    uint64_t t0, t1;
    long rc;

    events_disable();
    evtchn_send(b);
    t0 = time_now();
    poll.timeout = t0 + NSEC_PER_SEC;
    rc = hypercall_sched_op(SCHEDOP_poll, &poll);
    t1 = time_now();
    check("sched-poll-pending", rc == 0 && t1 - t0 < NSEC_PER_SEC / 2,
          "rc %ld after %lu us", rc, (t1 - t0) / NSEC_PER_USEC);
    evtchn_clear(a);
    events_enable();            /* consume the upcall_pending left behind */
    events_disable();
    t0 = time_now();
    poll.timeout = t0 + 10 * NSEC_PER_MSEC;
    rc = hypercall_sched_op(SCHEDOP_poll, &poll);
    t1 = time_now();
    check("sched-poll-timeout", rc == 0 && t1 >= poll.timeout - 50 * NSEC_PER_USEC,
          "rc %ld after %lu us (timeout 10000 us)", rc, (t1 - t0) / NSEC_PER_USEC);
    events_enable();
}

static void events_check_ipi(void)
{
    evtchn_port_t port = 0;
    long rc = evtchn_bind_ipi(0, &port);

    if (!check("evtchn-bind-ipi", rc == 0 && port != 0, "rc %ld port %u", rc, port))
        return;
    watch("evtchn-unmask-ipi", port, &hits_ipi);
    rc = evtchn_send(port);
    settle();
    check("evtchn-ipi", rc == 0 && hits_ipi == 1, "rc %ld hits %u", rc, hits_ipi);
    CHECK_RC("evtchn-close-ipi", evtchn_close(port), 0);
}

/* Closing one end leaves the other unbound; sends to it are dropped. */
static void events_check_close(evtchn_port_t a, evtchn_port_t b)
{
    struct evtchn_status st;
    unsigned int before = hits_a + hits_b;
    long rc;

    CHECK_RC("evtchn-close", evtchn_close(a), 0);
    rc = evtchn_status(b, &st);
    check("evtchn-close-peer-unbound", rc == 0 && st.status == EVTCHNSTAT_unbound,
          "rc %ld status %u", rc, st.status);
    rc = evtchn_send(b);
    settle();
    check("evtchn-send-unbound-dropped", rc == 0 && hits_a + hits_b == before,
          "rc %ld, handlers ran %u times", rc, hits_a + hits_b - before);
    CHECK_RC("evtchn-close-peer", evtchn_close(b), 0);
    CHECK_RC("evtchn-send-closed", evtchn_send(b), -XEN_EINVAL);
}

static void events_check_bad_ports(void)
{
    CHECK_RC("evtchn-send-port-0", evtchn_send(0), -XEN_EINVAL);
    CHECK_RC("evtchn-send-unallocated", evtchn_send(EVTCHN_2L_NR_CHANNELS - 1), -XEN_EINVAL);
    CHECK_RC("evtchn-send-out-of-range", evtchn_send(EVTCHN_2L_NR_CHANNELS), -XEN_EINVAL);
    CHECK_RC("evtchn-close-out-of-range", evtchn_close(EVTCHN_2L_NR_CHANNELS + 5), -XEN_EINVAL);
}

void selftest_events(void)
{
    evtchn_port_t a = 0, b = 0;

    if (events_loopback_setup(&a, &b)) {
        events_check_send(a, b);
        events_check_port_mask(a, b);
        events_check_upcall_mask(b);
        events_check_block(b);
        events_check_poll(a, b);
        events_check_close(a, b);
    }
    events_check_ipi();
    events_check_bad_ports();
    check("evtchn-no-stray", evtchn_stray == 0, "%lu events on ports without a handler",
          evtchn_stray);
}
