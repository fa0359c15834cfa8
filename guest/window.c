/* Measurement windows, sleeping until one starts, runstate reads (guest/window.h). */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/time.h>
#include <guest/window.h>

void window_from_cmdline(struct window *w, uint64_t default_ms)
{
    uint64_t now = time_now();

    w->from = cmdline_get_ulong("from_ms", 0) * NSEC_PER_MSEC;
    if (w->from < now)
        w->from = now;
    w->to = cmdline_get_ulong("to_ms", 0) * NSEC_PER_MSEC;
    if (!w->to)
        w->to = w->from + cmdline_get_ulong("ms", default_ms) * NSEC_PER_MSEC;
}

void sleep_until(uint64_t t)
{
    static int bound;               /* 0: not tried, 1: VIRQ_TIMER ours, -1: taken */
    evtchn_port_t port;

    if (!bound) {
        bound = evtchn_bind_virq(VIRQ_TIMER, 0, &port) == 0 ? 1 : -1;
        if (bound > 0)
            evtchn_unmask(port);
    }
    while (time_now() < t) {
        if (bound > 0 && timer_set_singleshot(t, 0) == 0)
            hypercall_sched_op(SCHEDOP_block, NULL);
        else
            hypercall_sched_op(SCHEDOP_yield, NULL);
    }
}

void runstate_read(unsigned int vcpu, struct vcpu_runstate_info *rs)
{
    if (hypercall_vcpu_op(VCPUOP_get_runstate_info, vcpu, rs))
        memset(rs, 0, sizeof(*rs));
}
