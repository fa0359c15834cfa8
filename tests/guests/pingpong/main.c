/*
 * pingpong: an event channel between two domains, as split drivers use
 * them: one domain offers an unbound port, the other binds to it, and they
 * bounce events back and forth. Checks that every event arrives exactly
 * once, and reports the round-trip time (TSC cycles) for bench/.
 *
 * Command line (both sides need the other's domain id; without a toolstack
 * it comes from the boot order):
 *   role=pong peer=<ping's domid> [rounds=1000]
 *   role=ping peer=<pong's domid> [port=<n>] [rounds=1000]
 * pong allocates the port (the first free one), ping binds to it: to port=
 * if given, else to the first of the peer's low ports that is offered to
 * it (others, such as the peer's console port, refuse with -EINVAL). Ping
 * prints
 *   PINGPONG rounds=<n> median_cycles=<c> min_cycles=<c> p90_cycles=<c> mean_ns=<ns>
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>

#define MAX_ROUNDS  10000
#define SCAN_PORTS  16
#define BIND_WAIT   (5 * NSEC_PER_SEC)
#define REPLY_WAIT  NSEC_PER_SEC

const char test_title[] = "pingpong: interdomain event channel round trips";

static volatile unsigned int served;
static domid_t pong_peer;
static uint64_t samples[MAX_ROUNDS];

/* The other end of port is domain peer: status says interdomain, to peer. */
static void check_connected(evtchn_port_t port, domid_t peer)
{
    struct evtchn_status st;
    long rc = evtchn_status(port, &st);

    check("pingpong-status", rc == 0 && st.status == EVTCHNSTAT_interdomain &&
          st.u.interdomain.dom == peer, "rc %ld status %u peer dom %u (want %u)", rc,
          st.status, st.u.interdomain.dom, peer);
}

/*
 * pong: every event on the port is answered with one event back. The
 * connection is checked on the first event, before answering it: ping is
 * waiting for that answer, so it cannot have closed its end yet.
 */
static void pong_handler(evtchn_port_t port, void *arg)
{
    if (!served)
        check_connected(port, pong_peer);
    evtchn_send(port);
    served++;
}

static void run_pong(domid_t peer, unsigned int rounds)
{
    evtchn_port_t port = 0;
    long rc = evtchn_alloc_unbound(peer, &port);

    if (!check("pingpong-alloc-unbound", rc == 0 && port != 0, "rc %ld port %u", rc, port))
        return;
    printf("pingpong: pong offers port %u to domain %u\n", port, peer);
    pong_peer = peer;
    evtchn_set_handler(port, pong_handler, NULL);
    evtchn_unmask(port);
    events_disable();
    while (served < rounds) {
        hypercall_sched_op(SCHEDOP_block, NULL);
        events_disable();
    }
    events_enable();
    check("pingpong-served", served == rounds, "answered %u of %u", served, rounds);
}

/*
 * Bind to the peer's port remote (0: the first of ports 1..SCAN_PORTS
 * offered to us), retrying until it has been offered; *remote is the port
 * bound to.
 */
static long ping_bind(domid_t peer, evtchn_port_t *remote, evtchn_port_t *port)
{
    uint64_t give_up = time_now() + BIND_WAIT;
    evtchn_port_t first = *remote ? *remote : 1, last = *remote ? *remote : SCAN_PORTS;
    long rc;

    do {
        for (evtchn_port_t p = first; p <= last; p++) {
            rc = evtchn_bind_interdomain(peer, p, port);
            if (rc != -XEN_EINVAL) {
                *remote = p;
                return rc;
            }
        }
        hypercall_sched_op(SCHEDOP_yield, NULL);
    } while (time_now() < give_up);
    return rc;
}

/*
 * ping: events masked, so replies are waited for with SCHEDOP_poll on the
 * port rather than taken by an upcall; each round is send, poll, clear.
 */
static void run_ping(domid_t peer, evtchn_port_t remote, unsigned int rounds)
{
    evtchn_port_t port = 0;
    evtchn_port_t ports[1];
    struct sched_poll poll = { .ports = guest_handle_from_ptr(ports), .nr_ports = 1 };
    unsigned int lost = 0, done;
    long rc = ping_bind(peer, &remote, &port);
    uint64_t t0, ns0, ns;
    struct sample_stats st;

    if (!check("pingpong-bind", rc == 0, "bind_interdomain(dom %u, port %u): %s", peer, remote,
               xen_errno_name(rc)))
        return;
    check_connected(port, peer);
    ports[0] = port;
    events_disable();
    evtchn_clear(port);             /* the notification binding sets */
    ns0 = time_now();
    for (done = 0; done < rounds && lost < 10; done++) {
        t0 = rdtsc_ordered();
        evtchn_send(port);
        poll.timeout = time_now() + REPLY_WAIT;
        while (!evtchn_is_pending(port) && time_now() < poll.timeout)
            hypercall_sched_op(SCHEDOP_poll, &poll);
        samples[done] = rdtsc_ordered() - t0;
        if (!evtchn_is_pending(port))
            lost++;
        evtchn_clear(port);
    }
    ns = time_now() - ns0;
    events_enable();
    check("pingpong-roundtrips", done == rounds && lost == 0, "%u rounds, %u replies lost",
          done, lost);
    sample_stats(samples, done, &st);
    printf("PINGPONG rounds=%u median_cycles=%lu min_cycles=%lu p90_cycles=%lu mean_ns=%lu\n",
           done, st.median, st.min, st.p90, ns / (done ? done : 1));
    CHECK_RC("pingpong-close", evtchn_close(port), 0);
}

void test_main(void)
{
    char role[8] = "";
    unsigned long peer = cmdline_get_ulong("peer", DOMID_INVALID);
    unsigned long rounds = cmdline_get_ulong("rounds", 1000);

    cmdline_get("role", role, sizeof(role));
    if (peer >= DOMID_FIRST_RESERVED || rounds == 0 || rounds > MAX_ROUNDS ||
        (strcmp(role, "ping") && strcmp(role, "pong")))
        test_skip("usage: role=ping|pong peer=<domid> [port=<n>] [rounds=1..%d]", MAX_ROUNDS);
    if (!strcmp(role, "pong"))
        run_pong(peer, rounds);
    else
        run_ping(peer, cmdline_get_ulong("port", 0), rounds);
}
