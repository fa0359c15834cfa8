/*
 * flooder: a domain that floods event channels. It binds an IPI port to
 * itself and sends on it as fast as it can with events enabled, so every
 * send costs the hypervisor an event-channel operation and an upcall
 * delivery. Over its window (guest/window.h):
 *
 *   FLOOD sends=<n> upcalls=<u> running_ns=<r> window_ns=<w>
 *
 * Command line: from_ms= / to_ms= / ms= (default 2000 ms).
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/window.h>

const char test_title[] = "flooder: event-channel sends as fast as possible";

static volatile uint64_t handled;

static void on_event(evtchn_port_t port, void *arg)
{
    handled++;
}

void test_main(void)
{
    struct vcpu_runstate_info start, end;
    struct window win;
    evtchn_port_t port;
    uint64_t sends = 0, failed = 0;

    if (!check("flood-bind-ipi", evtchn_bind_ipi(0, &port) == 0, "bind"))
        return;
    evtchn_set_handler(port, on_event, NULL);
    evtchn_unmask(port);
    window_from_cmdline(&win, 2000);
    sleep_until(win.from);
    runstate_read(0, &start);
    while (time_now() < win.to) {
        failed += evtchn_send(port) != 0;
        sends++;
    }
    runstate_read(0, &end);
    CHECK_EQ("flood-sends-accepted", failed, 0);
    check("flood-upcalls", handled > 0, "no upcall");
    printf("FLOOD sends=%lu upcalls=%lu running_ns=%lu window_ns=%lu\n", sends,
           (unsigned long)handled, end.time[RUNSTATE_running] - start.time[RUNSTATE_running],
           win.to - win.from);
}
