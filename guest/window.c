/* Measurement windows and runstate reads (guest/window.h). */
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

void runstate_read(unsigned int vcpu, struct vcpu_runstate_info *rs)
{
    if (hypercall_vcpu_op(VCPUOP_get_runstate_info, vcpu, rs))
        memset(rs, 0, sizeof(*rs));
}
