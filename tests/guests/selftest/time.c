/*
 * Paravirtual time: the vcpu_time_info the hypervisor keeps, pvclock reads
 * (consistent, monotonic, advancing, also across reschedules), the wall
 * clock, and the one-shot timer firing VIRQ_TIMER when pvclock says so.
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include "selftest.h"

/*
 * A timer may fire this much before its deadline by our clock (rounding of
 * two scales), and is allowed timer_late_ms late (default 100: a software
 * CPU beside other domains). Lateness in real time also measures the host:
 * a scenario that packs more virtual CPUs than the host has cores raises it.
 * A timer later than that is tried again, TIMER_TRIES times in all: the
 * host may leave a QEMU vCPU thread unscheduled for a while now and then,
 * but a hypervisor that delivers timers late does so every time.
 */
#define TIMER_EARLY_NS  (50 * NSEC_PER_USEC)
#define TIMER_LATE_MS_DEFAULT 100
#define TIMER_TRIES     3

static volatile unsigned int timer_hits;
static volatile uint64_t timer_fired_at;

static void timer_handler(evtchn_port_t port, void *arg)
{
    timer_fired_at = time_now();
    timer_hits++;
}

static void time_check_info(void)
{
    const volatile struct vcpu_time_info *t = &this_vcpu_info()->time;
    uint32_t version = t->version;
    uint64_t now = time_now();

    check("time-version-even", !(version & 1) && version != 0, "version %u", version);
    check("time-scale", t->tsc_to_system_mul != 0 && t->tsc_shift >= -32 && t->tsc_shift <= 32,
          "mul %u shift %d", t->tsc_to_system_mul, t->tsc_shift);
    check("time-plausible", now > 0 && now < 3600 * NSEC_PER_SEC, "system time %lu ns", now);
    printf("time: system %lu ns, tsc_timestamp %lu, mul %u, shift %d, flags %#x\n", now,
           t->tsc_timestamp, t->tsc_to_system_mul, t->tsc_shift, t->flags);
}

static void time_check_reads(void)
{
    uint64_t prev = time_now(), t0 = prev, now = prev, tsc0 = rdtsc_ordered();
    unsigned int i;

    for (i = 0; i < 10000; i++) {
        now = time_now();
        if (now < prev)
            break;
        prev = now;
    }
    check("time-monotonic", i == 10000, "read %u: %lu after %lu", i, now, prev);
    while (rdtsc_ordered() - tsc0 < 1000000)
        ;
    check("time-advances", time_now() > t0, "no progress over 1M TSC ticks");

    prev = time_now();
    for (i = 0; i < 200; i++) {
        hypercall_sched_op(SCHEDOP_yield, NULL);
        now = time_now();
        if (now < prev)
            break;
        prev = now;
    }
    check("time-monotonic-across-yield", i == 200, "yield %u: %lu after %lu", i, now, prev);
}

static void time_check_wallclock(void)
{
    uint64_t sec;
    uint32_t nsec;

    wallclock_read(&sec, &nsec);
    /* Boot time between 2020 and 2100. */
    check("wallclock-plausible", sec >= 1577836800ULL && sec < 4102444800ULL &&
          nsec < NSEC_PER_SEC, "wc %lu.%09u", sec, nsec);
}

/* Arm, then sleep in SCHEDOP_block until the handler has run. */
static void wait_for_timer(unsigned int hits_before)
{
    events_disable();
    while (timer_hits == hits_before) {
        hypercall_sched_op(SCHEDOP_block, NULL);
        events_disable();
    }
    events_enable();
}

static int64_t late_max_ns(void)
{
    return (int64_t)cmdline_get_ulong("timer_late_ms", TIMER_LATE_MS_DEFAULT) *
           (int64_t)NSEC_PER_MSEC;
}

/*
 * Arm a timer delay_ns ahead (arm(deadline): 0 or a hypercall's error),
 * sleep until it fires, and check when: again if it came too late, up to
 * TIMER_TRIES times. Hits are counted from before arming: a timer may fire,
 * and its event be delivered, on the very return from the hypercall that
 * set it. False if it could not be armed.
 */
static bool timer_fires(const char *name, uint64_t delay_ns, long (*arm)(uint64_t deadline))
{
    int64_t late;
    unsigned int tries = 0;

    do {
        unsigned int before = timer_hits;
        uint64_t deadline = time_now() + delay_ns;
        long rc = arm(deadline);

        if (rc != 0) {
            check(name, false, "arming the timer failed: %ld", rc);
            return false;
        }
        wait_for_timer(before);
        late = (int64_t)(timer_fired_at - deadline);
        tries++;
        if (late > late_max_ns() && tries < TIMER_TRIES)
            printf("time: %s fired %ld us after its deadline, trying again\n", name,
                   late / (int64_t)NSEC_PER_USEC);
    } while (late > late_max_ns() && tries < TIMER_TRIES);
    check(name, late >= -(int64_t)TIMER_EARLY_NS && late <= late_max_ns(),
          "fired %ld us after the deadline (try %u)", late / (int64_t)NSEC_PER_USEC, tries);
    printf("time: %s fired %ld us after its deadline\n", name, late / (int64_t)NSEC_PER_USEC);
    return true;
}

static long arm_singleshot(uint64_t deadline)
{
    return timer_set_singleshot(deadline, 0);
}

static long arm_set_timer_op(uint64_t deadline)
{
    return hypercall_set_timer_op(deadline);
}

void selftest_timer_fires(const char *name, uint64_t delay_ns)
{
    timer_fires(name, delay_ns, arm_singleshot);
}

static void time_check_timers(void)
{
    evtchn_port_t port = 0;
    unsigned int before;
    long rc = evtchn_bind_virq(VIRQ_TIMER, 0, &port);
    struct evtchn_status st;

    if (!check("evtchn-bind-virq-timer", rc == 0 && port != 0, "rc %ld port %u", rc, port))
        return;
    rc = evtchn_status(port, &st);
    check("evtchn-status-virq", rc == 0 && st.status == EVTCHNSTAT_virq &&
          st.u.virq == VIRQ_TIMER && st.vcpu == 0, "rc %ld status %u virq %u vcpu %u", rc,
          st.status, st.u.virq, st.vcpu);
    evtchn_set_handler(port, timer_handler, NULL);
    evtchn_unmask(port);

    check("timer-singleshot-set",
          timer_fires("timer-singleshot-fires", 20 * NSEC_PER_MSEC, arm_singleshot), "-");
    check("timer-set-timer-op",
          timer_fires("timer-set-timer-op-fires", 10 * NSEC_PER_MSEC, arm_set_timer_op), "-");

    CHECK_RC("timer-future-flag-past", timer_set_singleshot(time_now() - NSEC_PER_MSEC,
                                                            VCPU_SSHOTTMR_future), -XEN_ETIME);
    before = timer_hits;
    rc = timer_set_singleshot(time_now() - NSEC_PER_MSEC, 0);
    if (CHECK_RC("timer-past-deadline-set", rc, 0)) {
        wait_for_timer(before);
        check("timer-past-deadline-fires", true, "-");
    }
    CHECK_RC("timer-stop", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
}

void selftest_time(void)
{
    time_check_info();
    time_check_reads();
    time_check_wallclock();
    time_check_timers();
}
