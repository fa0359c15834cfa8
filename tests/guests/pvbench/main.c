/*
 * pvbench: the cost of PV operations as a guest kernel sees them, in TSC
 * cycles, for bench/pv_ops.py. Each operation runs `iters` times (default
 * 10000), timed one by one with RDTSC, and prints
 *
 *   PVBENCH op=<op> iters=<n> median_cycles=<c> min_cycles=<c> p90_cycles=<c> mean_cycles=<c>
 *
 *   empty           two RDTSCs with nothing between (the timer's own cost)
 *   call            a function call and return (the guest kernel runs in
 *                   ring 3, like user code: the same as native)
 *   null-hypercall  xen_version(XENVER_version): SYSCALL into the
 *                   hypervisor, dispatch, a trivial handler, back by IRET
 *   guest-syscall   user -> guest kernel -> user: SYSCALL in guest user
 *                   mode, bounced to the kernel's syscall callback, back by
 *                   the iret hypercall (guest/user.c); reported as
 *                   `PVBENCH op=guest-syscall unavailable <why>` when the
 *                   hypervisor cannot give us a user page-table root
 *
 * Events are masked while timing, so no upcall lands inside a sample.
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/user.h>

#define MAX_ITERS 65536

const char test_title[] = "pvbench: PV operation costs in TSC cycles";

static uint64_t samples[MAX_ITERS];

static void __attribute__((noinline)) empty_function(void)
{
    barrier();
}

static uint64_t time_empty(void)
{
    uint64_t t0 = rdtsc_ordered();

    return rdtsc_ordered() - t0;
}

static uint64_t time_call(void)
{
    uint64_t t0 = rdtsc_ordered();

    empty_function();
    return rdtsc_ordered() - t0;
}

static uint64_t time_null_hypercall(void)
{
    uint64_t t0 = rdtsc_ordered();

    hypercall_xen_version(XENVER_version, NULL);
    return rdtsc_ordered() - t0;
}

/*
 * guest-syscall, in user mode: SYSCALL, bounced by the hypervisor to our
 * kernel's callback, which returns at once by the iret hypercall.
 */
static void __attribute__((noreturn)) user_syscall_loop(uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t t0 = rdtsc_ordered();

        user_syscall(USER_SYS_NULL);
        samples[i] = rdtsc_ordered() - t0;
    }
    user_syscall(USER_SYS_EXIT);
    __builtin_unreachable();
}

static void run(const char *op, uint64_t (*timed)(void), unsigned long iters)
{
    struct sample_stats st;

    if (timed) {
        for (unsigned long i = 0; i < iters; i++)
            samples[i] = timed();
    }
    sample_stats(samples, iters, &st);
    printf("PVBENCH op=%s iters=%lu median_cycles=%lu min_cycles=%lu p90_cycles=%lu "
           "mean_cycles=%lu\n", op, iters, st.median, st.min, st.p90, st.mean);
}

void test_main(void)
{
    unsigned long iters = cmdline_get_ulong("iters", 10000);
    long version = hypercall_xen_version(XENVER_version, NULL), rc;
    bool enabled;

    if (iters == 0 || iters > MAX_ITERS)
        test_skip("usage: [iters=1..%d]", MAX_ITERS);
    /* The operation timed must work, or the figure means nothing. */
    if (!check("pvbench-hypercall-works", version > 0, "xen_version: %ld", version))
        return;
    enabled = events_disable();
    run("empty", time_empty, iters);
    run("call", time_call, iters);
    run("null-hypercall", time_null_hypercall, iters);
    rc = user_mode_init();
    if (rc) {
        printf("PVBENCH op=guest-syscall unavailable no guest user mode: %s\n",
               xen_errno_name(rc));
    } else {
        user_run(user_syscall_loop, iters);     /* fills samples[] */
        run("guest-syscall", NULL, iters);
    }
    if (enabled)
        events_enable();
}
