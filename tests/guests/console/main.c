/*
 * console: the PV console ring the hypervisor serves for a domU. Output
 * written into the ring must appear on the hypervisor console tagged with
 * our domain id (the integration test reads it there); serial input
 * switched to us (Ctrl-A three times) must arrive in the in-ring, and each
 * line typed is echoed back through the ring as `ring: echo: <line>` until
 * a line `quit`.
 *
 * Options:
 *   input=0        skip the input part (output checks only)
 *   wait=<s>       seconds to wait for input (default 60)
 *   backend=dom0   the ring is served by dom0's console back-end (a domain
 *                  dom0's toolstack made): the port is bound by dom0, and
 *                  output is consumed when dom0 runs, not at once
 *   mode=garbage   first misuse the ring as a hostile guest would: an
 *                  out_prod far beyond out_cons (the hypervisor must ignore
 *                  it and resynchronise), an in_cons ahead of in_prod (input
 *                  must still arrive, within the ring), and a flood of
 *                  lines (rate-limited); then run the normal checks
 */
#include <guest/console_ring.h>
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>

#define LINES       60              /* 60 numbered lines: more than one ring's worth */
#define FLOOD_LINES 3000
#define LINE_MAX    80

const char test_title[] = "console: the PV console ring served by the hypervisor";

/* backend=dom0: dom0's console back-end serves the ring, not the hypervisor. */
static bool dom0_backend;

/*
 * The hypervisor consumes synchronously when signalled: nothing is left.
 * dom0's back-end runs when dom0 does: give it up to a second.
 */
static bool ring_empty(void)
{
    struct xencons_interface *r = console_ring_page();
    uint64_t give_up = time_now() + (dom0_backend ? NSEC_PER_SEC : 0);

    while (READ_ONCE(r->out_cons) != READ_ONCE(r->out_prod) && time_now() < give_up)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    return READ_ONCE(r->out_cons) == READ_ONCE(r->out_prod);
}

static void check_setup(void)
{
    struct evtchn_status st;
    long rc = console_ring_init();

    if (!check("console-ring-found", rc == 0 && console_ring_port() != 0,
               "start_info console mfn %#lx port %u: %s", start_info->console.domU.mfn,
               start_info->console.domU.evtchn, xen_errno_name(rc)))
        test_error("no console ring");
    rc = evtchn_status(console_ring_port(), &st);
    if (dom0_backend) {                 /* bound by dom0's back-end before we ran */
        check("console-ring-port-dom0", rc == 0 && st.status == EVTCHNSTAT_interdomain &&
              st.u.interdomain.dom == 0, "rc %ld status %u", rc, st.status);
        return;
    }
    /* Unbound: the hypervisor serves it until dom0's console back-end takes over. */
    check("console-ring-port-unbound", rc == 0 && st.status == EVTCHNSTAT_unbound &&
          st.u.unbound.dom == 0, "rc %ld status %u dom %u", rc, st.status, st.u.unbound.dom);
}

static void check_output(void)
{
    static const char *const parts[] = { "ring: hello ", "from the ", "console ring\n" };
    bool all = true;

    for (unsigned int i = 0; i < ARRAY_SIZE(parts); i++)
        all &= console_ring_write(parts[i], strlen(parts[i])) == (long)strlen(parts[i]);
    check("console-ring-write", all, "a write failed");
    check("console-ring-consumed", ring_empty(), "out_cons %u out_prod %u",
          console_ring_page()->out_cons, console_ring_page()->out_prod);
    all = true;
    for (unsigned int i = 1; i <= LINES; i++)
        all &= ring_printf("ring: line %02u of %u, through the ring\n", i, LINES) > 0;
    check("console-ring-many-lines", all && ring_empty(), "lines lost or ring not drained");
}

/* An out_prod 1 GiB ahead: ignored, out_cons moved to it; the ring works on. */
static void garbage_out_prod(void)
{
    struct xencons_interface *r = console_ring_page();

    WRITE_ONCE(r->out_prod, r->out_cons + 0x40000000u);
    evtchn_send(console_ring_port());
    check("console-garbage-out-resync", ring_empty(), "out_cons %#x out_prod %#x",
          r->out_cons, r->out_prod);
    ring_printf("ring: still working after a bad out_prod\n");
    check("console-garbage-out-after", ring_empty(), "not consumed");
}

/* An in_cons 4 KiB ahead of in_prod: input must still come, inside the ring. */
static void garbage_in_cons(void)
{
    struct xencons_interface *r = console_ring_page();

    WRITE_ONCE(r->in_cons, r->in_prod + 4096);
}

/* Sleep: SCHEDOP_poll on a port nothing signals, until the deadline. */
static void sleep_ns(uint64_t ns)
{
    uint64_t deadline = time_now() + ns;
    evtchn_port_t ports[1] = { 0 };
    struct sched_poll poll = { .ports = guest_handle_from_ptr(ports), .nr_ports = 1,
                               .timeout = deadline };

    while (time_now() < deadline)
        hypercall_sched_op(SCHEDOP_poll, &poll);
}

static void flood(void)
{
    uint64_t t0 = time_now();

    uint64_t ms;

    for (unsigned int i = 0; i < FLOOD_LINES; i++)
        ring_printf("ring: flood %u\n", i);
    ms = (time_now() - t0) / NSEC_PER_MSEC;
    /* The rate limit covers console_io too: let its budget refill first. */
    sleep_ns(NSEC_PER_SEC);
    printf("console: flooded %u lines in %lu ms\n", FLOOD_LINES, ms);
    check("console-flood-consumed", ring_empty(), "not consumed");
}

/* Echo every line typed until "quit" (or the wait runs out). */
static void echo_input(uint64_t wait_ns)
{
    char line[LINE_MAX + 1];
    unsigned int len = 0, lines = 0;
    uint64_t give_up = time_now() + wait_ns;

    ring_printf("ring: ready for input\n");
    while (time_now() < give_up) {
        char buf[32];
        size_t n;

        if (!console_ring_wait_input(give_up - time_now()))
            break;
        n = console_ring_read(buf, sizeof(buf));
        for (size_t i = 0; i < n; i++) {
            if (buf[i] != '\r' && buf[i] != '\n') {
                if (len < LINE_MAX)
                    line[len++] = buf[i];
                continue;
            }
            line[len] = '\0';
            if (len)
                ring_printf("ring: echo: %s\n", line);
            lines += len != 0;
            if (!strcmp(line, "quit")) {
                check("console-ring-input", true, "quit");
                printf("console: %u lines echoed\n", lines);
                return;
            }
            len = 0;
        }
    }
    check("console-ring-input", false, "no 'quit' line within the wait (%u lines echoed)",
          lines);
}

void test_main(void)
{
    char mode[16] = "";
    bool garbage;

    cmdline_get("mode", mode, sizeof(mode));
    garbage = !strcmp(mode, "garbage");
    cmdline_get("backend", mode, sizeof(mode));
    dom0_backend = !strcmp(mode, "dom0");
    check_setup();
    if (garbage) {
        garbage_out_prod();
        garbage_in_cons();
        flood();
    }
    check_output();
    if (cmdline_get_ulong("input", 1))
        echo_input(cmdline_get_ulong("wait", 60) * NSEC_PER_SEC);
}
