/*
 * cpuhog: CPU-bound work on every vCPU, for the scheduler's tests and
 * benchmarks. Each vCPU repeats a fixed unit of arithmetic (UNIT_ITERS
 * steps of a linear congruential generator) and, over a window of system
 * time shared by all domains (guest/window.h), counts the units it did and
 * reads its own runstate at both ends. At the end, one line per vCPU:
 *
 *   HOG vcpu=<i> window_ns=<w> running_ns=<r> runnable_ns=<q> units=<u>
 *
 * With work=<n> instead: vCPU 0 does n units as fast as it is let (from
 * from_ms= if given), and
 *
 *   HOG done units=<n> elapsed_ns=<e> running_ns=<r>
 *
 * (throughput of a fixed workload, for bench/sched.py).
 *
 * Command line: vcpus=<n> (default 1; the domain needs sable.vcpus=n),
 * from_ms= / to_ms= / ms= (the window, default 2000 ms from the start),
 * work=<units>.
 */
#include <guest/hypercall.h>
#include <guest/smp.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/window.h>

#define UNIT_ITERS 20000

const char test_title[] = "cpuhog: CPU-bound vCPUs reporting work and runstates";

static struct window win;
static volatile uint64_t sink;
static volatile unsigned int finished;

static struct {
    uint64_t running, runnable, units;
} result[GUEST_MAX_VCPUS];

static void work_unit(void)
{
    uint64_t x = sink;

    for (unsigned int i = 0; i < UNIT_ITERS; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    sink = x;
}

/* Work through the window on vCPU id, recording what it got. */
static void hog(unsigned int id)
{
    struct vcpu_runstate_info start, end;
    uint64_t units = 0;

    while (time_now() < win.from)
        work_unit();
    runstate_read(id, &start);
    while (time_now() < win.to) {
        work_unit();
        units++;
    }
    runstate_read(id, &end);
    result[id].running = end.time[RUNSTATE_running] - start.time[RUNSTATE_running];
    result[id].runnable = end.time[RUNSTATE_runnable] - start.time[RUNSTATE_runnable];
    result[id].units = units;
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

static void secondary(unsigned int id, void *arg)
{
    hog(id);
}

/* A fixed amount of work, timed, from the window's start (asleep till then). */
static void fixed_work(uint64_t units)
{
    struct vcpu_runstate_info start, end;
    uint64_t t0, t1;

    window_from_cmdline(&win, 0);
    sleep_until(win.from);
    runstate_read(0, &start);
    t0 = time_now();
    for (uint64_t i = 0; i < units; i++)
        work_unit();
    t1 = time_now();
    runstate_read(0, &end);
    printf("HOG done units=%lu elapsed_ns=%lu running_ns=%lu\n", units, t1 - t0,
           end.time[RUNSTATE_running] - start.time[RUNSTATE_running]);
}

void test_main(void)
{
    unsigned int vcpus = cmdline_get_ulong("vcpus", 1);
    uint64_t units = cmdline_get_ulong("work", 0);

    if (units) {
        fixed_work(units);
        return;
    }
    if (vcpus < 1 || vcpus > GUEST_MAX_VCPUS)
        test_error("vcpus=%u: 1..%u", vcpus, GUEST_MAX_VCPUS);
    window_from_cmdline(&win, 2000);
    for (unsigned int i = 1; i < vcpus; i++)
        if (!check("hog-start-vcpu", smp_vcpu_start(i, secondary, NULL) == 0, "vCPU %u", i))
            return;
    hog(0);
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < vcpus)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    unsigned int ran = 0;
    for (unsigned int i = 0; i < vcpus; i++) {
        printf("HOG vcpu=%u window_ns=%lu running_ns=%lu runnable_ns=%lu units=%lu\n", i,
               win.to - win.from, result[i].running, result[i].runnable, result[i].units);
        ran += result[i].running > 0 && result[i].units > 0;
    }
    CHECK_EQ("hog-every-vcpu-ran", ran, vcpus);
}
