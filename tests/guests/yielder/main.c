/*
 * yielder: SCHEDOP_yield in a loop, each call timed in TSC cycles, for
 * bench/sched.py. Alone on a CPU a yield comes straight back (a hypercall
 * and a scheduling decision); with a second yielder on the same CPU each
 * one switches to the other and back, so a round is two decisions and two
 * context switches. Prints
 *
 *   YIELD iters=<n> median_cycles=<c> min_cycles=<c> p90_cycles=<c> mean_cycles=<c>
 *
 * Command line: iters=<n> (default 20000, at most 65536), from_ms= (start
 * then, so that two yielders overlap; guest/window.h).
 */
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/window.h>

#define MAX_ITERS 65536

const char test_title[] = "yielder: SCHEDOP_yield round trips in TSC cycles";

static uint64_t samples[MAX_ITERS];

void test_main(void)
{
    unsigned long iters = cmdline_get_ulong("iters", 20000);
    struct sample_stats st;
    struct window win;

    if (iters == 0 || iters > MAX_ITERS)
        test_error("iters=%lu: 1..%u", iters, MAX_ITERS);
    window_from_cmdline(&win, 0);
    sleep_until(win.from);
    for (unsigned long i = 0; i < iters; i++) {
        uint64_t t0 = rdtsc_ordered();
        hypercall_sched_op(SCHEDOP_yield, NULL);
        samples[i] = rdtsc_ordered() - t0;
    }
    sample_stats(samples, iters, &st);
    printf("YIELD iters=%lu median_cycles=%lu min_cycles=%lu p90_cycles=%lu mean_cycles=%lu\n",
           iters, st.median, st.min, st.p90, st.mean);
}
