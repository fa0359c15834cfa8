/*
 * role=victim: the domain that sits beside the fuzzer and checks that
 * nothing of it changed. It fills 64 pages with a pattern from its seed,
 * then, every 2 ms for ms= milliseconds (default 5000), sleeps on its own
 * timer and checks that the pattern is intact, that the timer woke it,
 * that no port but its timer's became pending, and that its vcpu_info
 * still says events are masked where it left them. Lines:
 *
 *   VICTIM round=<n> ok        every 250 rounds
 *   VICTIM done rounds=<n>     then CHECK lines and the verdict
 */
#include <guest/events.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/window.h>
#include "fuzz.h"

#define VICTIM_PAGES 64

static uint64_t victim_mem[VICTIM_PAGES][PAGE / 8] __aligned(PAGE);
static volatile unsigned long ticks;
static evtchn_port_t port;

static void on_tick(evtchn_port_t p, void *arg)
{
    ticks++;
}

static uint64_t pattern(uint64_t seed, size_t page, size_t word)
{
    struct fuzz_rng r;

    rng_seed(&r, seed ^ (page << 20) ^ word);
    return rng_next(&r);
}

static void victim_fill(uint64_t seed)
{
    for (size_t p = 0; p < VICTIM_PAGES; p++)
        for (size_t w = 0; w < PAGE / 8; w++)
            victim_mem[p][w] = pattern(seed, p, w);
}

/* The first word that differs, or -1. */
static long victim_changed(uint64_t seed, size_t *page)
{
    for (size_t p = 0; p < VICTIM_PAGES; p++)
        for (size_t w = 0; w < PAGE / 8; w++)
            if (victim_mem[p][w] != pattern(seed, p, w)) {
                *page = p;
                return (long)w;
            }
    return -1;
}

/* Sleep until t on our timer; whether it woke us. */
static bool victim_sleep(uint64_t t)
{
    unsigned long before = ticks;

    events_disable();           /* SCHEDOP_block unmasks and checks atomically */
    timer_set_singleshot(t, 0);
    while (ticks == before && time_now() < t + NSEC_PER_SEC) {
        hypercall_sched_op(SCHEDOP_block, NULL);
        events_disable();
    }
    events_enable();
    return ticks != before;
}

void victim_main(void)
{
    uint64_t seed = cmdline_get_ulong("seed", 1);
    unsigned long rounds = 0, late = 0;
    struct window w;
    size_t page = 0;
    long word = -1;

    window_from_cmdline(&w, 5000);
    victim_fill(seed);
    if (!CHECK_RC("victim-timer-bound", evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0))
        return;
    evtchn_set_handler(port, on_tick, NULL);
    evtchn_unmask(port);
    printf("VICTIM seed=%lu until %lu ms\n", seed, w.to / NSEC_PER_MSEC);
    while (time_now() < w.to && word < 0) {
        if (!victim_sleep(time_now() + 2 * NSEC_PER_MSEC))
            late++;
        word = victim_changed(seed, &page);
        if (++rounds % 250 == 0 && word < 0)
            printf("VICTIM round=%lu ok\n", rounds);
    }
    printf("VICTIM done rounds=%lu\n", rounds);
    check("victim-memory", word < 0, "page %lu word %ld changed: %#lx", page, word,
          word < 0 ? 0UL : victim_mem[page][word]);
    check("victim-timer", late == 0, "%lu of %lu sleeps not woken by the timer", late, rounds);
    check("victim-no-stray-events", evtchn_stray == 0, "%lu events on ports not ours",
          evtchn_stray);
    check("victim-events-unmasked", !this_vcpu_info()->evtchn_upcall_mask,
          "upcall mask set behind our back");
}

/*
 * role=prey: a domain the privileged fuzzer may pause, unpause, shut down
 * or destroy while it runs (priv.c). It keeps a vCPU busy in long
 * multicalls (256 entries), printing
 * "PREY alive" every 500 ms, and powers itself off after ms= milliseconds
 * (default 5000) if nothing ended it first.
 */
void prey_main(void)
{
    static struct multicall_entry batch[256];
    static char extraversion[16];
    struct window w;
    uint64_t next = 0;

    for (unsigned int i = 0; i < ARRAY_SIZE(batch); i++) {
        batch[i].op = __HYPERVISOR_xen_version;
        batch[i].args[0] = XENVER_extraversion;
        batch[i].args[1] = (uint64_t)(uintptr_t)extraversion;
    }
    window_from_cmdline(&w, 5000);
    printf("PREY until %lu ms\n", w.to / NSEC_PER_MSEC);
    while (time_now() < w.to) {
        if (time_now() >= next) {
            printf("PREY alive\n");
            next = time_now() + 500 * NSEC_PER_MSEC;
        }
        /* Long hypercalls: destroyed in one, it must not be freed under us. */
        hypercall_multicall(batch, ARRAY_SIZE(batch));
    }
    printf("PREY done\n");
}
