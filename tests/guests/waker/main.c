/*
 * waker: an I/O-like domain. It sleeps on its one-shot timer (VIRQ_TIMER)
 * every period, computes a short burst when woken, and measures its
 * wake-up latency: from the timer's deadline to the moment its event
 * handler runs, i.e. the hypervisor's timer interrupt, the scheduler's
 * decision to run it (which waits for whatever runs on that CPU unless
 * the domain is warped) and the switch. It sleeps until its window
 * (guest/window.h) starts, and its deadlines are from + k x period: wakers
 * with the same window and period wake at the same instants, whenever
 * their domains started. Over its window:
 *
 *   WAKER wakes=<n> period_us=<p> lat_median_ns=<m> lat_p99_ns=<q> lat_max_ns=<x>
 *         running_ns=<r> window_ns=<w>
 *
 * Command line: period_us=<p> (default 2000), burst_us=<b> computing per
 * wake-up (default 50), from_ms= / to_ms= / ms= (default 2000 ms).
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/window.h>

#define MAX_SAMPLES 50000

const char test_title[] = "waker: timer wake-ups and their latency";

static uint64_t samples[MAX_SAMPLES];
static volatile uint64_t deadline, woke_at;
static volatile bool fired;

static void on_timer(evtchn_port_t port, void *arg)
{
    if (!deadline || fired)
        return;
    woke_at = time_now();
    fired = true;
}

/* Sleep until the timer for `at` fired; false if it never did. */
static bool sleep_for_tick(uint64_t at)
{
    uint64_t give_up = at + NSEC_PER_SEC;

    fired = false;
    deadline = at;
    if (timer_set_singleshot(at, 0))
        return false;
    while (!fired && time_now() < give_up)
        hypercall_sched_op(SCHEDOP_block, NULL);
    return fired;
}

static void burst(uint64_t ns)
{
    uint64_t end = time_now() + ns;

    while (time_now() < end)
        barrier();
}

void test_main(void)
{
    uint64_t period = cmdline_get_ulong("period_us", 2000) * NSEC_PER_USEC;
    uint64_t burst_ns = cmdline_get_ulong("burst_us", 50) * NSEC_PER_USEC;
    struct vcpu_runstate_info start, end;
    struct window win;
    evtchn_port_t port;
    size_t n = 0, missed = 0;
    uint64_t next;

    if (!check("waker-bind-timer", evtchn_bind_virq(VIRQ_TIMER, 0, &port) == 0, "bind"))
        return;
    evtchn_set_handler(port, on_timer, NULL);
    evtchn_unmask(port);
    window_from_cmdline(&win, 2000);
    while (time_now() < win.from)           /* asleep: no CPU taken from the others */
        sleep_for_tick(win.from);
    runstate_read(0, &start);
    next = win.from + period;
    while (next <= time_now())              /* woke late: the first deadline ahead */
        next += period;
    for (; next < win.to && n < MAX_SAMPLES; next += period) {
        if (!sleep_for_tick(next)) {
            missed++;
            continue;
        }
        samples[n++] = woke_at - next;
        burst(burst_ns);
        while (next + period <= time_now())        /* overran: skip periods */
            next += period;
    }
    runstate_read(0, &end);
    CHECK_EQ("waker-no-lost-timers", missed, 0);
    check("waker-woke", n > 0, "no wake-ups");
    if (!n)
        return;
    sort_u64(samples, n);
    printf("WAKER wakes=%lu period_us=%lu lat_median_ns=%lu lat_p99_ns=%lu lat_max_ns=%lu "
           "running_ns=%lu window_ns=%lu\n", (unsigned long)n, period / NSEC_PER_USEC,
           samples[n / 2], samples[n * 99 / 100], samples[n - 1],
           end.time[RUNSTATE_running] - start.time[RUNSTATE_running], win.to - win.from);
}
