/*
 * Timer queues with simulated time (ordering, stopping, re-arming from a
 * callback, slack, lateness, a guest's tick rhythm, many timers) and the
 * fixed-point time scales.
 * SOURCES: hypervisor/common/timer.c hypervisor/common/time_scale.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/errno.h>
#include <sable/timer.h>
#include <sable/time.h>
#include <stdio.h>
#include <string.h>

#define NQUEUES 2

static struct timer_queue queues[NQUEUES];
/* What arch_timer_program was last asked, per queue, and how often. */
static s_time_t hw_deadline[NQUEUES];
static int hw_programs[NQUEUES];

/* The order callbacks ran in: the data pointer is an index. */
static int fired[4096];
static int nfired;

struct timer_queue *arch_timer_queue(unsigned int cpu)
{
    return cpu < NQUEUES ? &queues[cpu] : NULL;
}

void arch_timer_program(struct timer_queue *q, s_time_t deadline)
{
    unsigned int i = q - queues;

    assert_true(i < NQUEUES);
    /* Called with the lock held. */
    assert_int_not_equal(q->lock.next, q->lock.owner);
    hw_deadline[i] = deadline;
    hw_programs[i]++;
}

static int setup(void **state)
{
    for (unsigned int i = 0; i < NQUEUES; i++) {
        timer_queue_init(&queues[i], i);
        hw_deadline[i] = S_TIME_MAX;
        hw_programs[i] = 0;
    }
    nfired = 0;
    return 0;
}

static void record(void *data)
{
    /* Callbacks run with their queue unlocked. */
    assert_int_equal(queues[0].lock.next, queues[0].lock.owner);
    assert_true(nfired < (int)ARRAY_SIZE(fired));
    fired[nfired++] = (int)(intptr_t)data;
}

static void test_fires_in_expiry_order(void **state)
{
    struct timer t[5];
    const s_time_t when[5] = { 30, 10, 20, 10, 50 };

    for (int i = 0; i < 5; i++) {
        timer_init(&t[i], record, (void *)(intptr_t)i, 0);
        timer_set(&t[i], when[i]);
        assert_true(timer_is_active(&t[i]));
    }
    assert_int_equal(hw_deadline[0], 10);
    assert_int_equal(queues[0].nr_queued, 5);

    assert_int_equal(timer_queue_run(&queues[0], 9), 0);
    assert_int_equal(nfired, 0);
    assert_int_equal(hw_deadline[0], 10);

    /* Equal expiries fire in arming order: 1 before 3. */
    assert_int_equal(timer_queue_run(&queues[0], 25), 3);
    assert_int_equal(fired[0], 1);
    assert_int_equal(fired[1], 3);
    assert_int_equal(fired[2], 2);
    assert_false(timer_is_active(&t[1]));
    assert_true(timer_is_active(&t[0]));
    assert_int_equal(hw_deadline[0], 30);

    assert_int_equal(timer_queue_run(&queues[0], 1000), 2);
    assert_int_equal(fired[3], 0);
    assert_int_equal(fired[4], 4);
    /* Empty: the spent one-shot (30) is not re-armed. */
    assert_int_equal(hw_deadline[0], 30);
    assert_int_equal(queues[0].programmed, S_TIME_MAX);
    assert_int_equal(queues[0].nr_queued, 0);
    assert_null(queues[0].head);
}

static void test_programs_only_when_earlier(void **state)
{
    struct timer a, b, c;

    timer_init(&a, record, (void *)1, 0);
    timer_init(&b, record, (void *)2, 0);
    timer_init(&c, record, (void *)3, 0);
    timer_set(&a, 100);
    assert_int_equal(hw_programs[0], 1);
    timer_set(&b, 200);                     /* later: hardware unchanged */
    assert_int_equal(hw_programs[0], 1);
    timer_set(&c, 50);                      /* earlier: reprogrammed */
    assert_int_equal(hw_programs[0], 2);
    assert_int_equal(hw_deadline[0], 50);
    /* Moving the head later leaves an early interrupt, never a late one. */
    timer_set(&c, 300);
    assert_int_equal(hw_deadline[0], 50);
    assert_int_equal(timer_queue_run(&queues[0], 50), 0);
    assert_int_equal(hw_deadline[0], 100);
}

static void test_stop_armed_timer(void **state)
{
    struct timer a, b, c;

    timer_init(&a, record, (void *)1, 0);
    timer_init(&b, record, (void *)2, 0);
    timer_init(&c, record, (void *)3, 0);
    timer_stop(&a);                         /* never armed: harmless */
    timer_set(&a, 10);
    timer_set(&b, 20);
    timer_set(&c, 30);
    timer_stop(&a);                         /* the head */
    timer_stop(&b);                         /* the middle */
    timer_stop(&b);                         /* twice */
    assert_false(timer_is_active(&a));
    assert_false(timer_is_active(&b));
    assert_int_equal(queues[0].nr_queued, 1);

    assert_int_equal(timer_queue_run(&queues[0], 25), 0);
    assert_int_equal(nfired, 0);
    assert_int_equal(hw_deadline[0], 30);
    assert_int_equal(timer_queue_run(&queues[0], 30), 1);
    assert_int_equal(fired[0], 3);

    /* A stopped timer can be armed again. */
    timer_set(&b, 40);
    assert_int_equal(timer_queue_run(&queues[0], 40), 1);
    assert_int_equal(fired[1], 2);
}

struct periodic {
    struct timer t;
    s_time_t period;
    int count, limit;
};

static void periodic_fn(void *data)
{
    struct periodic *p = data;

    assert_int_equal(queues[0].lock.next, queues[0].lock.owner);
    fired[nfired++] = (int)p->t.expires;
    if (++p->count < p->limit)
        timer_set(&p->t, p->t.expires + p->period);
}

static void test_rearm_from_callback(void **state)
{
    struct periodic p = { .period = 10, .limit = 5 };
    struct timer other;

    timer_init(&p.t, periodic_fn, &p, 0);
    timer_init(&other, record, (void *)99, 0);
    timer_set(&p.t, 10);
    timer_set(&other, 25);

    /* Catches up: 10 and 20 re-armed inside the run, then 25, then 30. */
    assert_int_equal(timer_queue_run(&queues[0], 35), 4);
    assert_int_equal(fired[0], 10);
    assert_int_equal(fired[1], 20);
    assert_int_equal(fired[2], 99);
    assert_int_equal(fired[3], 30);
    assert_true(timer_is_active(&p.t));
    assert_int_equal(hw_deadline[0], 40);

    assert_int_equal(timer_queue_run(&queues[0], 100), 2);
    assert_int_equal(fired[5], 50);
    assert_int_equal(p.count, 5);
    assert_false(timer_is_active(&p.t));
    assert_int_equal(queues[0].programmed, S_TIME_MAX);
}

static struct timer victim;

static void stop_victim(void *data)
{
    fired[nfired++] = 1;
    timer_stop(&victim);
}

static void test_callback_stops_due_timer(void **state)
{
    struct timer killer;

    timer_init(&killer, stop_victim, NULL, 0);
    timer_init(&victim, record, (void *)2, 0);
    timer_set(&killer, 10);
    timer_set(&victim, 11);
    /* Both due, but the first one disarms the second before it runs. */
    assert_int_equal(timer_queue_run(&queues[0], 20), 1);
    assert_int_equal(nfired, 1);
    assert_false(timer_is_active(&victim));
}

/* A timer with slack rides on another timer's interrupt within its window. */
static void test_slack(void **state)
{
    struct timer poll, tick, late;

    timer_init(&poll, record, (void *)1, 0);
    timer_init(&tick, record, (void *)2, 0);
    timer_init(&late, record, (void *)3, 0);
    timer_set_slack(&poll, 10);
    timer_set_slack(&late, 10);
    timer_set(&poll, 100);
    timer_set(&late, 200);
    timer_set(&tick, 85);
    assert_int_equal(hw_deadline[0], 85);           /* the hardware wants the exact times */
    assert_int_equal(timer_queue_run(&queues[0], 85), 1);
    assert_int_equal(nfired, 1);
    assert_int_equal(fired[0], 2);                  /* 85 is before poll's window (90) */
    assert_int_equal(hw_deadline[0], 100);
    timer_set(&tick, 92);
    assert_int_equal(timer_queue_run(&queues[0], 92), 2);
    assert_int_equal(fired[1], 2);
    assert_int_equal(fired[2], 1);                  /* in its window: no interrupt of its own */
    assert_int_equal(hw_deadline[0], 200);
    assert_int_equal(timer_queue_run(&queues[0], 150), 0);
    assert_int_equal(timer_queue_run(&queues[0], 200), 1);
    assert_int_equal(fired[3], 3);
}

static void nothing(void *data)
{
}

static void test_late(void **state)
{
    struct timer hint, tick, other;

    timer_init(&hint, nothing, NULL, 0);
    timer_init(&tick, record, (void *)1, 0);
    timer_init(&other, record, (void *)2, 0);
    timer_set_late(&tick, 10);
    timer_set(&hint, 100);
    assert_int_equal(hw_programs[0], 1);
    /* Within the lateness: the hardware's 100 will do for 95 and for 90. */
    timer_stop(&hint);
    timer_set(&tick, 95);
    assert_int_equal(hw_programs[0], 1);
    timer_set(&tick, 90);
    assert_int_equal(hw_programs[0], 1);
    assert_int_equal(timer_queue_run(&queues[0], 100), 1);
    assert_int_equal(fired[0], 1);
    /* Beyond it: reprogrammed, exactly. */
    timer_set(&hint, 200);
    timer_set(&tick, 189);
    assert_int_equal(hw_deadline[0], 189);
    /* A timer without lateness is exact as ever. */
    timer_set(&other, 188);
    assert_int_equal(hw_deadline[0], 188);
    /* Later than the hardware: the early interrupt still finds it. */
    timer_stop(&other);
    timer_set(&tick, 250);
    assert_int_equal(hw_deadline[0], 188);
    assert_int_equal(timer_queue_run(&queues[0], 188), 0);
    assert_int_equal(hw_deadline[0], 200);
    /* "Never" against nothing programmed: no write, no overflow. */
    timer_stop(&tick);
    timer_stop(&hint);
    assert_int_equal(timer_queue_run(&queues[0], 200), 0);
    timer_set(&tick, S_TIME_MAX);
    assert_int_equal(queues[0].programmed, S_TIME_MAX);
}

static void test_rhythm(void **state)
{
    struct timer_rhythm r = { 0 };

    assert_int_equal(timer_rhythm_next(&r, 1000, 5), S_TIME_MAX);    /* first */
    assert_int_equal(timer_rhythm_next(&r, 5000, 5), S_TIME_MAX);    /* one interval */
    assert_int_equal(timer_rhythm_next(&r, 9003, 5), 13006);         /* two that agree */
    assert_int_equal(timer_rhythm_next(&r, 13000, 10), 16997);
    assert_int_equal(timer_rhythm_next(&r, 16990, 5), S_TIME_MAX);   /* 3990 after 3997 */
    assert_int_equal(timer_rhythm_next(&r, 30000, 5), S_TIME_MAX);   /* broken */
    assert_int_equal(timer_rhythm_next(&r, 47000, 5), S_TIME_MAX);
    assert_int_equal(timer_rhythm_next(&r, 64000, 5), 81000);        /* steady again */
    assert_int_equal(timer_rhythm_next(&r, 40000, 5), S_TIME_MAX);   /* backwards */
    assert_int_equal(r.interval, 0);
    r.last = S_TIME_MAX - 10;
    r.interval = 20;
    assert_int_equal(timer_rhythm_next(&r, S_TIME_MAX - 2, 100), S_TIME_MAX);
}

/*
 * A guest's tick as vcpu_op.c runs it: on each expiry a placeholder holds
 * the hardware for the expected re-arm, which then needs no write; each
 * tick programs the hardware once, where it took two.
 */
static struct timer tick_hint, guest_tick;
static struct timer_rhythm guest_rhythm;

static void guest_tick_fired(void *data)
{
    s_time_t next = timer_rhythm_next(&guest_rhythm, guest_tick.expires, 20);

    if (next != S_TIME_MAX)
        timer_set(&tick_hint, next + 5);
    record(data);
}

static void test_tick_programs_once(void **state)
{
    struct timer poll;
    int before;

    memset(&guest_rhythm, 0, sizeof(guest_rhythm));
    timer_init(&poll, record, (void *)9, 0);
    timer_set_slack(&poll, 5000);
    timer_set(&poll, 100000);
    timer_init(&tick_hint, nothing, NULL, 0);
    timer_init(&guest_tick, guest_tick_fired, (void *)1, 0);
    timer_set_late(&guest_tick, 10);
    /* Ticks every 4000 with a little jitter; the guest re-arms after each. */
    const s_time_t jitter[] = { 0, 2, 1, 3, 0, 2, 1, 0, 3, 1 };
    s_time_t deadline = 4000;
    timer_set(&guest_tick, deadline);
    for (int i = 0; i < 10; i++) {
        before = hw_programs[0];
        timer_queue_run(&queues[0], queues[0].programmed);
        assert_false(timer_is_active(&guest_tick));
        assert_int_equal(hw_programs[0], before + 1);   /* the hint, or the poll */
        before = hw_programs[0];
        deadline = (i + 2) * 4000 + jitter[i];
        timer_stop(&tick_hint);
        timer_set(&guest_tick, deadline);
        /* Once the rhythm is known the re-arm needs no write; before, one. */
        assert_int_equal(hw_programs[0], before + (i >= 2 ? 0 : 1));
        assert_true(queues[0].programmed >= deadline &&
                    queues[0].programmed <= deadline + 10);
    }
    assert_int_equal(nfired, 10);
    timer_stop(&guest_tick);
    timer_stop(&tick_hint);
    timer_stop(&poll);
}

static void test_other_cpu_queue(void **state)
{
    struct timer a;

    timer_init(&a, record, (void *)7, 1);
    assert_ptr_equal(a.queue, &queues[1]);
    timer_set(&a, 5);
    assert_int_equal(hw_deadline[1], 5);
    assert_int_equal(hw_programs[0], 0);
    assert_int_equal(timer_queue_run(&queues[0], 10), 0);
    assert_int_equal(timer_queue_run(&queues[1], 10), 1);
}

/*
 * A vCPU's timer follows it to another CPU: armed, it leaves the old queue
 * and fires from the new one (which programs its hardware for it); idle,
 * it only changes queue; moving to where it is changes nothing.
 */
static void test_migrate(void **state)
{
    struct timer a, b;

    timer_init(&a, record, (void *)1, 0);
    timer_init(&b, record, (void *)2, 1);
    timer_set(&b, 40);
    timer_set(&a, 20);
    assert_int_equal(hw_deadline[0], 20);
    timer_migrate(&a, 1);
    assert_int_equal(timer_cpu(&a), 1);
    assert_true(timer_is_active(&a));
    assert_int_equal(queues[0].nr_queued, 0);
    assert_int_equal(queues[1].nr_queued, 2);
    assert_int_equal(hw_deadline[1], 20);       /* the new head: programmed there */
    assert_int_equal(timer_queue_run(&queues[0], 30), 0);
    assert_int_equal(timer_queue_run(&queues[1], 30), 1);
    assert_int_equal(fired[0], 1);

    /* Idle: only the queue changes; re-armed later, it fires on the new CPU. */
    timer_migrate(&a, 0);
    assert_false(timer_is_active(&a));
    assert_int_equal(timer_cpu(&a), 0);
    timer_set(&a, 35);
    assert_int_equal(queues[0].nr_queued, 1);
    assert_int_equal(hw_deadline[0], 35);
    timer_migrate(&a, 0);
    assert_int_equal(queues[0].nr_queued, 1);

    /* Behind an earlier head, the new queue's hardware is not touched. */
    timer_migrate(&a, 1);
    assert_int_equal(queues[1].head, &a);
    timer_set(&a, 50);
    hw_programs[1] = 0;
    timer_migrate(&a, 0);
    timer_migrate(&a, 1);
    assert_ptr_equal(queues[1].head, &b);
    assert_int_equal(hw_programs[1], 0);
    assert_int_equal(timer_queue_run(&queues[1], 60), 2);
    assert_int_equal(fired[1], 2);
    assert_int_equal(fired[2], 1);
}

/* A timer allowed to be late moves without a new deadline when the one there is close enough. */
static void test_migrate_late(void **state)
{
    struct timer b, c;

    timer_init(&b, record, (void *)1, 1);
    timer_init(&c, record, (void *)2, 0);
    timer_set_late(&c, 10);
    timer_set(&b, 100);
    timer_set(&c, 95);
    hw_programs[1] = 0;
    timer_migrate(&c, 1);
    assert_ptr_equal(queues[1].head, &c);
    assert_int_equal(hw_programs[1], 0);        /* 100 is within 95 + 10 */
    timer_migrate(&c, 0);
    timer_set(&c, 80);
    timer_migrate(&c, 1);
    assert_int_equal(hw_programs[1], 1);
    assert_int_equal(hw_deadline[1], 80);
}

/*
 * timer_kill, as a vCPU's destruction uses it: while a callback runs (on
 * "another CPU") the timer is not yet safe to free, and a callback that
 * re-arms its own timer and the placeholder leaves both to be disarmed again.
 */
static struct timer kill_a, kill_b;

static void kill_a_fn(void *data)
{
    assert_false(timer_try_kill(&kill_a));      /* running: wait */
    assert_false(timer_is_active(&kill_a));
    timer_set(&kill_b, 500);                    /* as the single-shot arms its placeholder */
    timer_set(&kill_a, 400);                    /* and as a periodic timer re-arms itself */
}

static void test_kill(void **state)
{
    timer_init(&kill_a, kill_a_fn, NULL, 0);
    timer_init(&kill_b, record, (void *)1, 0);
    timer_set(&kill_a, 100);
    assert_int_equal(timer_queue_run(&queues[0], 100), 1);
    assert_int_equal(queues[0].nr_queued, 2);
    assert_true(timer_try_kill(&kill_a));       /* the callback is over */
    assert_false(timer_is_active(&kill_a));
    timer_kill(&kill_b);
    assert_false(timer_is_active(&kill_b));
    assert_int_equal(queues[0].nr_queued, 0);
    assert_null(queues[0].head);
    timer_kill(&kill_b);                        /* again: nothing to do */
    assert_int_equal(timer_queue_run(&queues[0], 1000), 0);
    assert_int_equal(nfired, 0);
}

/* Many timers: random expiries, a third stopped, time advancing in steps. */
#define MANY 3000
static struct timer many[MANY];
static s_time_t many_fired_at[MANY];
static s_time_t sim_now, last_expiry;
static int many_count;

static void many_fn(void *data)
{
    struct timer *t = data;
    size_t i = t - many;

    assert_true(i < MANY);
    assert_int_equal(many_fired_at[i], 0);       /* only once */
    assert_true(t->expires <= sim_now);          /* never early */
    assert_true(t->expires >= last_expiry);      /* in order */
    last_expiry = t->expires;
    many_fired_at[i] = sim_now;
    many_count++;
}

static void test_many_timers(void **state)
{
    uint64_t rng = 12345;
    int expected = 0;

    memset(many_fired_at, 0, sizeof(many_fired_at));
    sim_now = last_expiry = 0;
    many_count = 0;
    for (int i = 0; i < MANY; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        timer_init(&many[i], many_fn, &many[i], 0);
        timer_set(&many[i], 1 + (s_time_t)((rng >> 33) % 1000000));
    }
    for (int i = 0; i < MANY; i += 3)
        timer_stop(&many[i]);
    for (int i = 0; i < MANY; i++)
        expected += (i % 3) != 0;
    assert_int_equal(queues[0].nr_queued, expected);

    while (queues[0].head) {
        assert_true(hw_deadline[0] <= queues[0].head->expires);
        sim_now += 1 + (s_time_t)((rng >> 40) % 5000);
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        timer_queue_run(&queues[0], sim_now);
    }
    assert_int_equal(many_count, expected);
    for (int i = 0; i < MANY; i++) {
        if (i % 3 == 0)
            assert_int_equal(many_fired_at[i], 0);
        else
            assert_true(many_fired_at[i] - many[i].expires < 5000);
    }
    assert_int_equal(queues[0].programmed, S_TIME_MAX);
}

static void test_time_scale(void **state)
{
    struct time_scale s = { 0, 0 };
    const uint64_t rates[] = { 1000000000ULL, 2993456789ULL, 3000000000ULL,
                               100000000ULL, 1193182ULL, 5200000000ULL };

    for (size_t i = 0; i < ARRAY_SIZE(rates); i++) {
        uint64_t hz = rates[i], ns;

        assert_int_equal(time_scale_init(&s, hz, NSEC_PER_SEC), 0);
        assert_true(s.mul >= (1U << 31));
        /* One second of ticks is one second, to within a few ns. */
        ns = time_scale_apply(hz, &s);
        assert_true(ns > NSEC_PER_SEC - 5 && ns < NSEC_PER_SEC + 5);
        /* A day, to within 100 us (2^-31 relative, plus the dropped bit). */
        ns = time_scale_apply(hz * 86400, &s);
        assert_true(ns > 86400 * NSEC_PER_SEC - 100000 && ns < 86400 * NSEC_PER_SEC + 100000);

        /* And back: 1 ms of ns in ticks. */
        assert_int_equal(time_scale_init(&s, NSEC_PER_SEC, hz), 0);
        ns = time_scale_apply(NSEC_PER_MSEC, &s);
        assert_true(ns + 2 >= hz / 1000 && ns <= hz / 1000 + 2);
    }
    /* 3 GHz: shift -1, mul 2/3 of 2^32, the values Xen computes. */
    assert_int_equal(time_scale_init(&s, 3000000000ULL, NSEC_PER_SEC), 0);
    assert_int_equal(s.shift, -1);
    assert_int_equal(s.mul, 2863311530U);
    /* Exactly 1 GHz: shift 1, mul 2^31. */
    assert_int_equal(time_scale_init(&s, NSEC_PER_SEC, NSEC_PER_SEC), 0);
    assert_int_equal(s.shift, 1);
    assert_int_equal(s.mul, 1U << 31);

    s.mul = 7;
    assert_int_equal(time_scale_init(&s, 0, NSEC_PER_SEC), -EINVAL);
    assert_int_equal(time_scale_init(&s, NSEC_PER_SEC, 0), -EINVAL);
    assert_int_equal(time_scale_init(&s, 1ULL << 63, NSEC_PER_SEC), -EINVAL);
    assert_int_equal(time_scale_init(&s, 1, 1ULL << 40), -EINVAL);    /* ratio too big */
    assert_int_equal(s.mul, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_fires_in_expiry_order, setup),
        cmocka_unit_test_setup(test_programs_only_when_earlier, setup),
        cmocka_unit_test_setup(test_stop_armed_timer, setup),
        cmocka_unit_test_setup(test_rearm_from_callback, setup),
        cmocka_unit_test_setup(test_callback_stops_due_timer, setup),
        cmocka_unit_test_setup(test_slack, setup),
        cmocka_unit_test_setup(test_late, setup),
        cmocka_unit_test_setup(test_rhythm, setup),
        cmocka_unit_test_setup(test_tick_programs_once, setup),
        cmocka_unit_test_setup(test_other_cpu_queue, setup),
        cmocka_unit_test_setup(test_migrate, setup),
        cmocka_unit_test_setup(test_migrate_late, setup),
        cmocka_unit_test_setup(test_kill, setup),
        cmocka_unit_test_setup(test_many_timers, setup),
        cmocka_unit_test(test_time_scale),
    };
    return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
