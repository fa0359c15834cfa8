/*
 * The scheduler (core + BVT) driven with simulated time: four CPUs, vCPUs
 * that compute forever (hogs) or compute a burst and sleep on a timer
 * (I/O-like), every decision made by the real sched_decide() as the arch
 * would call it. Checks shares against weights, warp latency and its
 * limits, caps with idle CPUs, load balancing and affinity, runstate
 * accounting, and that bad parameters are refused with nothing changed.
 * SOURCES: hypervisor/common/schedule.c hypervisor/common/sched_bvt.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#define FAKE_PV_REAL_SCHEDULER
#include "fake_pv.h"

#include <stdio.h>
#include <sable/sched_if.h>
#include <public/vcpu.h>

#define US ((s_time_t)NSEC_PER_USEC)
#define MS ((s_time_t)NSEC_PER_MSEC)
#define SEC ((s_time_t)NSEC_PER_SEC)

#define SIM_CPUS    4
#define SIM_VCPUS   64
#define CPU(n)      (1ULL << (n))
#define ALL_CPUS    ((1ULL << SIM_CPUS) - 1)

enum load_kind { HOG, IO };

/* What a simulated vCPU does, and what happened to it. */
struct load {
    enum load_kind kind;
    s_time_t burst, sleep;      /* IO: compute burst, then sleep on a timer */
    s_time_t period, deadline;  /* IO, if period: wake at deadline + k x period instead */
    s_time_t left;              /* IO: of the current burst */
    s_time_t wake_at;           /* IO, asleep: its timer */
    s_time_t woke;              /* IO: when it last woke */
    bool waiting;               /* IO: woken, not yet running */
    s_time_t ran;               /* CPU time it got, by the simulation's clock */
    s_time_t lat_max;           /* IO: longest wake-up to dispatch */
    unsigned long wakes, immediate;
};

/* A domain to create: vCPUs, parameters, affinity, and what each vCPU does. */
struct spec {
    unsigned int vcpus;
    struct sched_params sched;
    uint64_t hard, soft;
    struct load load;
};

static struct {
    s_time_t now;
    struct vcpu *curr[SIM_CPUS];
    s_time_t until[SIM_CPUS];
    s_time_t busy[SIM_CPUS];    /* time each CPU ran a vCPU */
    unsigned int nr;
    struct vcpu *v[SIM_VCPUS];
    struct load load[SIM_VCPUS];
    unsigned int nr_dom;
    struct domain *dom[SIM_VCPUS];
    unsigned long decisions;
} sim;

static struct load *load_of(const struct vcpu *v)
{
    for (unsigned int i = 0; i < sim.nr; i++)
        if (sim.v[i] == v)
            return &sim.load[i];
    fail_msg("unknown vCPU");
    return NULL;
}

/* The arch's part of schedule() on cpu: decide, switch, report the old one saved. */
static void sim_decide(unsigned int cpu)
{
    struct vcpu *prev = sim.curr[cpu], *next;

    sched_cpu(cpu)->need_resched = false;
    next = sched_decide(cpu, sim.now, &sim.until[cpu]);
    sim.decisions++;
    if (next == prev)
        return;
    for (unsigned int c = 0; c < SIM_CPUS; c++)
        assert_true(!next || c == cpu || sim.curr[c] != next);    /* loaded once */
    sim.curr[cpu] = next;
    if (prev)
        sched_context_saved(prev);
    if (next) {
        struct load *l = load_of(next);
        assert_int_equal(next->processor, cpu);
        assert_int_equal(next->runstate, RUNSTATE_running);
        if (l->waiting) {
            s_time_t lat = sim.now - l->woke;
            l->waiting = false;
            l->lat_max = MAX(l->lat_max, lat);
            l->immediate += lat == 0;
        }
    }
}

/* Run every decision that was asked for, until none is. */
static void sim_settle(void)
{
    for (unsigned int round = 0;; round++) {
        bool any = false;
        assert_true(round < 1000);
        for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++) {
            if (sched_cpu(cpu)->need_resched || sim.until[cpu] <= sim.now) {
                sim_decide(cpu);
                any = true;
            }
        }
        if (!any)
            break;
    }
    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++)     /* every lock released */
        assert_int_equal(sched_cpu(cpu)->lock.next, sched_cpu(cpu)->lock.owner);
}

/* Move the clock to t, charging running vCPUs. */
static void sim_advance(s_time_t t)
{
    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++) {
        struct vcpu *v = sim.curr[cpu];
        if (!v)
            continue;
        load_of(v)->ran += t - sim.now;
        sim.busy[cpu] += t - sim.now;
        if (load_of(v)->kind == IO)
            load_of(v)->left -= t - sim.now;
    }
    sim.now = t;
    fake_now = (uint64_t)t;
}

/* The next thing to happen: a decision due, a burst ending, a timer firing. */
static s_time_t sim_next_event(s_time_t end)
{
    s_time_t t = end;

    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++) {
        t = MIN(t, sim.until[cpu]);
        if (sim.curr[cpu] && load_of(sim.curr[cpu])->kind == IO)
            t = MIN(t, sim.now + load_of(sim.curr[cpu])->left);
    }
    for (unsigned int i = 0; i < sim.nr; i++)
        if (sim.load[i].kind == IO && (sim.v[i]->pause_flags & VPF_blocked))
            t = MIN(t, sim.load[i].wake_at);
    return MAX(t, sim.now);
}

/* Bursts that ended block (SCHEDOP_block); timers that fired wake (an event). */
static void sim_events(void)
{
    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++) {
        struct vcpu *v = sim.curr[cpu];
        struct load *l = v ? load_of(v) : NULL;
        if (l && l->kind == IO && l->left <= 0) {
            __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
            l->wake_at = sim.now + l->sleep;
            if (l->period) {                /* the next deadline not yet passed */
                while (l->deadline <= sim.now)
                    l->deadline += l->period;
                l->wake_at = l->deadline;
            }
            sched_cpu(cpu)->need_resched = true;
        }
    }
    for (unsigned int i = 0; i < sim.nr; i++) {
        struct load *l = &sim.load[i];
        if (l->kind == IO && (sim.v[i]->pause_flags & VPF_blocked) && l->wake_at <= sim.now) {
            l->left = l->burst;
            l->woke = sim.now;
            l->waiting = true;
            l->wakes++;
            arch_vcpu_kick(sim.v[i]);
        }
    }
}

static void sim_run_for(s_time_t span)
{
    s_time_t end = sim.now + span;

    sim_settle();
    while (sim.now < end) {
        sim_advance(sim_next_event(end));
        sim_events();
        sim_settle();
    }
}

/* Create, unpause and start every vCPU of a domain as spec says. */
static struct domain *sim_add(struct spec s)
{
    struct domain_config c = { .name = "sim", .max_vcpus = s.vcpus, .max_pages = 1,
                               .sched = s.sched, .hard_affinity = s.hard,
                               .soft_affinity = s.soft };
    struct domain *d;

    assert_int_equal(domain_create(&c, false, &d), 0);
    sim.dom[sim.nr_dom++] = d;
    for (unsigned int i = 0; i < s.vcpus; i++) {
        assert_true(sim.nr < SIM_VCPUS);
        sim.v[sim.nr] = d->vcpu[i];
        sim.load[sim.nr] = s.load;
        sim.load[sim.nr].left = s.load.burst;
        sim.nr++;
        d->vcpu[i]->is_initialised = true;
        assert_int_equal(vcpu_up(d->vcpu[i]), 0);
    }
    assert_int_equal(domain_unpause(d), 0);
    sim_settle();
    return d;
}

static struct spec hog(uint32_t weight, uint64_t hard)
{
    return (struct spec){ .vcpus = 1, .sched = { .weight = weight }, .hard = hard,
                          .load = { .kind = HOG } };
}

static struct spec io(uint64_t warp, s_time_t burst, s_time_t sleep, uint64_t hard)
{
    return (struct spec){ .vcpus = 1, .sched = { .weight = SCHED_WEIGHT_DEFAULT, .warp = warp },
                          .hard = hard, .load = { .kind = IO, .burst = burst, .sleep = sleep } };
}

/* Running time by the vCPU's own runstate, up to now. */
static s_time_t running(const struct vcpu *v)
{
    s_time_t t = (s_time_t)v->runstate_time[RUNSTATE_running];

    if (v->runstate == RUNSTATE_running)
        t += sim.now - (s_time_t)v->runstate_entry_time;
    return t;
}

/* Runstates account for all the time since the vCPU was created. */
static void check_runstates_add_up(const struct vcpu *v, s_time_t created)
{
    s_time_t sum = sim.now - (s_time_t)v->runstate_entry_time;

    for (unsigned int s = 0; s < 4; s++)
        sum += (s_time_t)v->runstate_time[s];
    assert_int_equal(sum, sim.now - created);
}

/*
 * Fresh fakes and simulation. The scheduler's per-CPU state lives on from
 * test to test, as on a real machine, so the clock does too: each test
 * starts a second after the last one ended.
 */
static int setup(void **state)
{
    static s_time_t clock;

    clock = MAX(clock, sim.now) + SEC;
    fake_reset_with_table();
    memset(&sim, 0, sizeof(sim));
    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++)
        sim.until[cpu] = S_TIME_MAX;
    sim.now = clock;
    fake_now = (uint64_t)clock;
    return 0;
}

/* Pause and destroy everything; no vCPU may be left running or queued. */
static int teardown(void **state)
{
    for (unsigned int i = 0; i < sim.nr_dom; i++)
        assert_int_equal(domain_pause(sim.dom[i]), 0);
    sim_settle();
    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++) {
        assert_null(sim.curr[cpu]);
        assert_int_equal(sched_cpu(cpu)->nr_queued, 0);
    }
    for (unsigned int i = 0; i < sim.nr_dom; i++)
        fake_domain_destroy(sim.dom[i]);
    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++)
        assert_int_equal(sched_cpu(cpu)->nr_units, 0);
    fake_check_all_returned();
    return 0;
}

/* ---- shares ---- */

/* n hogs on one CPU with different weights: shares within 1% of weight / total. */
static void shares_follow_weights(unsigned int n)
{
    s_time_t start[SIM_VCPUS];
    uint64_t total = 0;

    setup(NULL);
    for (unsigned int i = 0; i < n; i++) {
        uint32_t w = 64 + (uint32_t)((i * 7919) % 13) * 97;    /* 64..1228, mixed */
        sim_add(hog(w, CPU(0)));
        total += w;
    }
    sim_run_for(SEC);                       /* settle, then measure a minute */
    for (unsigned int i = 0; i < n; i++)
        start[i] = running(sim.v[i]);
    sim_run_for(60 * SEC);
    for (unsigned int i = 0; i < n; i++) {
        struct sched_params p;
        double want, got;

        sched_params_get(sim.v[i]->domain, &p);
        want = (double)p.weight / (double)total;
        got = (double)(running(sim.v[i]) - start[i]) / (double)(60 * SEC);
        if (got < want * 0.99 || got > want * 1.01)
            fail_msg("%u vCPUs: vCPU %u weight %u got %.4f, want %.4f", n, i, p.weight, got,
                     want);
        assert_int_equal(running(sim.v[i]), load_of(sim.v[i])->ran);
    }
    assert_int_equal(sim.busy[1] + sim.busy[2] + sim.busy[3], 0);   /* pinned to CPU 0 */
    teardown(NULL);
}

static void test_shares_follow_weights(void **state)
{
    static const unsigned int counts[] = { 2, 3, 4, 7, 8, 12, 16 };

    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        shares_follow_weights(counts[i]);
}

/* ---- warp ---- */

/*
 * An I/O-like vCPU that wakes every 10 ms beside a hog: warped (warp 20 ms
 * > the 5 ms allowance), it is dispatched the moment it wakes; unwarped,
 * it waits up to the allowance. Either way the hog gets the rest.
 */
static void test_warped_vcpu_dispatched_at_once(void **state)
{
    struct domain *d;
    struct load *l;

    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    d = sim_add(io(20 * MS, 200 * US, 10 * MS, CPU(0)));
    sim_run_for(5 * SEC);
    l = load_of(d->vcpu[0]);
    assert_true(l->wakes > 400);
    assert_int_equal(l->immediate, l->wakes);
    assert_int_equal(l->lat_max, 0);
    assert_true(load_of(sim.v[0])->ran > 5 * SEC * 95 / 100);
}

static void test_unwarped_vcpu_waits_its_turn(void **state)
{
    struct domain *d;
    struct load *l;

    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    d = sim_add(io(0, 200 * US, 10 * MS, CPU(0)));
    sim_run_for(5 * SEC);
    l = load_of(d->vcpu[0]);
    assert_true(l->wakes > 300);
    assert_true(l->lat_max > 1 * MS);
    assert_true(l->lat_max <= 5 * MS + 500 * US);     /* C, at most one slice more */
}

/*
 * A warped and an unwarped I/O-like vCPU with the same period beside a
 * hog, their deadlines offset by anything from -1 ms to +1 ms (0: the
 * same instant, the two timers firing together): the warped one is
 * dispatched the moment it wakes every time, whichever woke first; the
 * unwarped one waits at most the allowance, often less (it runs as soon
 * as the warped one blocks if the hog has run further than it has).
 */
static void test_warped_vcpu_first_whatever_the_phase(void **state)
{
    static const s_time_t offsets[] = { 0, 1, -1, 20, -20, 50, -50, 51, 100, -100,
                                        500, -500, 1000, -1000 };

    for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
        struct spec w = io(20 * MS, 50 * US, 0, CPU(0)), p = io(0, 50 * US, 0, CPU(0));
        struct domain *dw, *dp;
        struct load *lw, *lp;

        setup(NULL);
        w.load.period = p.load.period = 2 * MS;
        w.load.deadline = sim.now + 10 * MS;
        p.load.deadline = w.load.deadline + offsets[i] * US;
        sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
        dw = sim_add(w);
        dp = sim_add(p);
        sim_run_for(SEC);
        lw = load_of(dw->vcpu[0]);
        lp = load_of(dp->vcpu[0]);
        if (lw->wakes < 490 || lw->immediate != lw->wakes)
            fail_msg("offset %ld us: warped vCPU waited on %lu of %lu wake-ups (longest %ld us)",
                     (long)offsets[i], lw->wakes - lw->immediate, lw->wakes,
                     (long)(lw->lat_max / US));
        if (lp->wakes < 150 || lp->lat_max > 5 * MS + 500 * US)
            fail_msg("offset %ld us: unwarped vCPU %lu wake-ups, waited up to %ld us",
                     (long)offsets[i], lp->wakes, (long)(lp->lat_max / US));
        teardown(NULL);
    }
}

/*
 * A warped vCPU that keeps computing after it wakes runs warped for at most
 * warpl, then falls back to its share: the hog is back within warpl + C.
 */
static void test_warp_time_limit(void **state)
{
    struct spec s = io(50 * MS, 40 * MS, 100 * MS, CPU(0));
    struct domain *d;
    s_time_t hog_before, gap_start = 0, longest = 0;

    s.sched.warpl = 10 * MS;
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    d = sim_add(s);
    sim_run_for(200 * MS);
    /* Watch the hog's longest wait while the other wakes and computes. */
    for (int i = 0; i < 2000; i++) {
        hog_before = load_of(sim.v[0])->ran;
        sim_run_for(500 * US);
        if (load_of(sim.v[0])->ran == hog_before) {
            if (!gap_start)
                gap_start = sim.now - 500 * US;
            longest = MAX(longest, sim.now - gap_start);
        } else {
            gap_start = 0;
        }
    }
    assert_true(load_of(d->vcpu[0])->wakes >= 5);
    assert_int_equal(load_of(d->vcpu[0])->immediate, load_of(d->vcpu[0])->wakes);
    if (longest > 10 * MS + 5 * MS + 1 * MS)
        fail_msg("hog waited %ld us in a row", (long)(longest / US));
}

/*
 * With an unwarp requirement of 100 ms, a vCPU waking every 10 ms warps
 * only on some wake-ups: at most one per 100 ms (+ the first).
 */
static void test_unwarp_requirement(void **state)
{
    struct spec s = io(20 * MS, 200 * US, 10 * MS, CPU(0));
    struct domain *d;
    struct load *l;

    s.sched.warpu = 100 * MS;
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    d = sim_add(s);
    sim_run_for(2 * SEC);
    l = load_of(d->vcpu[0]);
    assert_true(l->wakes > 100);
    assert_true(l->immediate >= 15);
    assert_true(l->immediate <= 2 * SEC / (100 * MS) + 1);
}

/* ---- caps ---- */

/* A capped hog alone on four CPUs stays at its cap; the CPUs idle. */
static void test_cap_holds_with_idle_cpus(void **state)
{
    struct spec s = hog(SCHED_WEIGHT_DEFAULT, ALL_CPUS);
    s_time_t before;
    double share;

    s.sched.cap = 30;
    sim_add(s);
    sim_run_for(100 * MS);
    before = load_of(sim.v[0])->ran;
    sim_run_for(10 * SEC);
    share = (double)(load_of(sim.v[0])->ran - before) / (double)(10 * SEC);
    if (share < 0.29 || share > 0.301)
        fail_msg("capped at 30%%, got %.4f", share);
}

/* A domain's cap covers all its vCPUs; uncapped neighbours get the rest. */
static void test_cap_is_per_domain(void **state)
{
    struct spec s = hog(SCHED_WEIGHT_DEFAULT, CPU(0) | CPU(1));
    struct domain *capped;
    s_time_t before[3];
    double share;

    s.vcpus = 2;
    s.sched.cap = 50;                       /* half a CPU for both vCPUs together */
    capped = sim_add(s);
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_run_for(100 * MS);
    for (int i = 0; i < 3; i++)
        before[i] = load_of(sim.v[i])->ran;
    sim_run_for(10 * SEC);
    share = (double)(load_of(capped->vcpu[0])->ran - before[0] +
                     load_of(capped->vcpu[1])->ran - before[1]) / (double)(10 * SEC);
    if (share < 0.49 || share > 0.505)
        fail_msg("domain capped at 50%%, got %.4f", share);
    /* The uncapped hog on CPU 0 gets what the capped ones leave there. */
    assert_true(load_of(sim.v[2])->ran - before[2] > 10 * SEC * 70 / 100);
}

/* ---- SMP ---- */

/* Hogs pinned to CPU 0, then let go: the idle CPUs take them over. */
static void test_idle_cpus_pick_up_work(void **state)
{
    s_time_t before[4];

    for (int i = 0; i < 4; i++)
        sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_run_for(SEC);
    assert_int_equal(sim.busy[1] + sim.busy[2] + sim.busy[3], 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(sched_set_affinity(sim.v[i], ALL_CPUS, 0), 0);
    sim_run_for(100 * MS);
    for (int i = 0; i < 4; i++)
        before[i] = load_of(sim.v[i])->ran;
    sim_run_for(10 * SEC);
    for (int i = 0; i < 4; i++) {
        s_time_t got = load_of(sim.v[i])->ran - before[i];
        if (got < 10 * SEC * 99 / 100)
            fail_msg("vCPU %d ran %ld ms of 10 s", i, (long)(got / MS));
    }
    for (unsigned int cpu = 1; cpu < SIM_CPUS; cpu++)
        assert_true(sim.busy[cpu] > 9 * SEC);
}

/* Six hogs on two CPUs: both busy, three each, and nobody starves. */
static void test_load_balancing_spreads_hogs(void **state)
{
    s_time_t before[6];

    for (int i = 0; i < 6; i++)
        sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0) | CPU(1)));
    sim_run_for(SEC);
    for (int i = 0; i < 6; i++)
        before[i] = load_of(sim.v[i])->ran;
    sim_run_for(30 * SEC);
    for (int i = 0; i < 6; i++) {
        double share = (double)(load_of(sim.v[i])->ran - before[i]) / (double)(30 * SEC);
        if (share < 0.30 || share > 0.37)
            fail_msg("vCPU %d got %.3f of a CPU (2 CPUs, 6 hogs)", i, share);
    }
    assert_true(sim.busy[0] > 30 * SEC && sim.busy[1] > 30 * SEC);
}

/* The vCPUs of one domain run in parallel. */
static void test_vcpus_of_a_domain_run_in_parallel(void **state)
{
    struct spec s = hog(SCHED_WEIGHT_DEFAULT, ALL_CPUS);

    s.vcpus = 4;
    sim_add(s);
    sim_run_for(SEC);
    for (int i = 0; i < 4; i++)
        assert_int_equal(load_of(sim.v[i])->ran, SEC);
}

/* A waking vCPU goes to an idle CPU of its soft affinity, or else of its hard one. */
static void test_soft_affinity_placement(void **state)
{
    struct spec s = io(0, 100 * US, 5 * MS, CPU(1) | CPU(2));
    struct domain *d;
    uint64_t where = 0;

    s.soft = CPU(2);
    d = sim_add(s);
    for (int i = 0; i < 50; i++) {
        sim_run_for(MS);
        where |= CPU(d->vcpu[0]->processor);
    }
    assert_int_equal(where, CPU(2));
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(2)));    /* CPU 2 busy now */
    sim_run_for(20 * MS);
    where = 0;
    for (int i = 0; i < 50; i++) {
        sim_run_for(MS);
        where |= CPU(d->vcpu[0]->processor);
    }
    assert_true(where & CPU(1));
    assert_int_equal(where & ~(CPU(1) | CPU(2)), 0);
}

/* ---- runstates ---- */

static void test_runstates_account_all_time(void **state)
{
    s_time_t created = sim.now;
    struct domain *d;
    struct vcpu *v;

    d = sim_add(io(0, 1 * MS, 3 * MS, CPU(0)));
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    v = d->vcpu[0];
    sim_run_for(2 * SEC);
    check_runstates_add_up(v, created);
    check_runstates_add_up(sim.v[1], created);
    assert_int_equal(running(v), load_of(v)->ran);
    /* Blocked exactly while asleep; runnable while the hog finishes its turn. */
    assert_true((s_time_t)v->runstate_time[RUNSTATE_blocked] >= (s_time_t)load_of(v)->wakes * 3 * MS);
    assert_true((s_time_t)v->runstate_time[RUNSTATE_blocked] <= (s_time_t)(load_of(v)->wakes + 1) * 3 * MS);
    assert_true(v->runstate_time[RUNSTATE_runnable] > 0);
    /* Paused: a runnable or running vCPU goes offline, a blocked one stays blocked (Xen). */
    assert_int_equal(domain_pause(d), 0);
    assert_int_equal(domain_pause(sim.v[1]->domain), 0);
    sim_settle();
    assert_int_equal(sim.v[1]->runstate, RUNSTATE_offline);
    assert_true(v->runstate == RUNSTATE_offline || v->runstate == RUNSTATE_blocked);
    sim_run_for(100 * MS);
    assert_int_equal(load_of(v)->ran, running(v));
    check_runstates_add_up(v, created);
    check_runstates_add_up(sim.v[1], created);
}

/* ---- parameters ---- */

static void test_bad_parameters_change_nothing(void **state)
{
    struct spec s = hog(700, CPU(1));
    struct sched_params before, after, bad;
    struct domain *d;

    s.vcpus = 2;
    s.sched.cap = 150;
    s.sched.warp = 3 * MS;
    d = sim_add(s);
    sched_params_get(d, &before);
    assert_int_equal(before.weight, 700);
    assert_int_equal(before.cap, 150);
    const struct sched_params bads[] = {
        { .weight = 0 },
        { .weight = SCHED_WEIGHT_MAX + 1 },
        { .weight = UINT32_MAX },
        { .weight = 1, .cap = 201 },                /* > 100% x 2 vCPUs */
        { .weight = 1, .cap = UINT32_MAX },
        { .weight = 1, .warp = SCHED_WARP_MAX + 1 },
        { .weight = 1, .warpl = SCHED_WARP_TIME_MAX + 1 },
        { .weight = 1, .warpu = UINT64_MAX },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
        bad = bads[i];
        assert_int_equal(sched_adjust(d, &bad), -EINVAL);
        sched_params_get(d, &after);
        assert_memory_equal(&before, &after, sizeof(before));
    }
    /* Affinity: none, absent CPUs, CPUs beyond any machine. */
    assert_int_equal(sched_set_affinity(d->vcpu[0], 0, 0), -EINVAL);
    assert_int_equal(sched_set_affinity(d->vcpu[0], CPU(SIM_CPUS), 0), -EINVAL);
    assert_int_equal(sched_set_affinity(d->vcpu[0], CPU(1) | CPU(63), 0), -EINVAL);
    assert_int_equal(sched_set_affinity(d->vcpu[0], CPU(1), CPU(SIM_CPUS)), -EINVAL);
    assert_int_equal(d->vcpu[0]->hard_affinity, CPU(1));
    /* A good change takes effect. */
    after = before;
    after.weight = 100;
    after.cap = 200;
    assert_int_equal(sched_adjust(d, &after), 0);
    sched_params_get(d, &before);
    assert_int_equal(before.weight, 100);
    assert_int_equal(before.cap, 200);
}

/* Weights changed at run time: shares follow from then on. */
static void test_weight_change_at_run_time(void **state)
{
    struct sched_params p = { .weight = 3 * SCHED_WEIGHT_DEFAULT };
    s_time_t before[2];
    double share;

    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_run_for(SEC);
    assert_int_equal(sched_adjust(sim.v[1]->domain, &p), 0);
    sim_settle();
    for (int i = 0; i < 2; i++)
        before[i] = load_of(sim.v[i])->ran;
    sim_run_for(20 * SEC);
    share = (double)(load_of(sim.v[1])->ran - before[1]) / (double)(20 * SEC);
    if (share < 0.74 || share > 0.76)
        fail_msg("weight 3:1 gave a share of %.4f", share);
}

/*
 * A vCPU that yields whenever it runs, then computes: it must not have
 * banked the time it gave away (BVT has no yield; Sable's raises the
 * yielder's A to the one it yields to). The other hog waits no longer than
 * the allowance afterwards.
 */
static void test_yielding_banks_no_credit(void **state)
{
    s_time_t end, last_ran = 0, longest = 0, before;

    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    end = sim.now + 2 * SEC;
    while (sim.now < end) {                 /* vCPU 1 yields every time it gets the CPU */
        if (sim.curr[0] == sim.v[1]) {
            fake_current = sim.v[1];
            vcpu_yield();
            fake_current = NULL;
        }
        sim_run_for(100 * US);
    }
    assert_true(load_of(sim.v[1])->ran < 100 * MS);
    last_ran = sim.now;
    for (int i = 0; i < 2000; i++) {        /* now both compute */
        before = load_of(sim.v[0])->ran;
        sim_run_for(100 * US);
        if (load_of(sim.v[0])->ran != before)
            last_ran = sim.now;
        longest = MAX(longest, sim.now - last_ran);
    }
    if (longest > 11 * MS)                  /* the slice between equals: 2 C */
        fail_msg("the other hog waited %ld ms after the yielder started computing",
                 (long)(longest / MS));
}

/* Yielding hands the CPU over without changing the long-run shares much. */
static void test_yield_lets_others_run(void **state)
{
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_add(hog(SCHED_WEIGHT_DEFAULT, CPU(0)));
    sim_run_for(MS);
    struct vcpu *was = sim.curr[0];
    assert_non_null(was);
    fake_current = was;
    vcpu_yield();
    fake_current = NULL;
    sim_settle();
    assert_ptr_not_equal(sim.curr[0], was);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_follow_weights),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_warped_vcpu_dispatched_at_once),
        T(test_unwarped_vcpu_waits_its_turn),
        cmocka_unit_test(test_warped_vcpu_first_whatever_the_phase),
        T(test_warp_time_limit),
        T(test_unwarp_requirement),
        T(test_cap_holds_with_idle_cpus),
        T(test_cap_is_per_domain),
        T(test_idle_cpus_pick_up_work),
        T(test_load_balancing_spreads_hogs),
        T(test_vcpus_of_a_domain_run_in_parallel),
        T(test_soft_affinity_placement),
        T(test_runstates_account_all_time),
        T(test_bad_parameters_change_nothing),
        T(test_weight_change_at_run_time),
        T(test_yield_lets_others_run),
        T(test_yielding_banks_no_credit),
#undef T
    };

    for (unsigned int cpu = 0; cpu < SIM_CPUS; cpu++)
        assert_int_equal(sched_cpu_add(cpu), 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
