/*
 * One-shot timers on per-CPU queues.
 *
 * A timer belongs to one CPU's queue (chosen at timer_init, changed by
 * timer_migrate) and its callback
 * runs on that CPU, in interrupt context, with the queue unlocked, so a
 * callback may re-arm its own timer or arm and stop others. Times are system
 * time (now_ns()). The queue is a list kept sorted by expiry: arming is
 * O(n) in the timers queued on that CPU (a handful: one per vCPU plus the
 * scheduler's), stopping and finding the next deadline are O(1).
 *
 * Portable (common/timer.c, unit-tested with simulated time); the arch
 * supplies the two hooks at the end.
 */
#ifndef SABLE_TIMER_H
#define SABLE_TIMER_H

#include <sable/spinlock.h>
#include <sable/time.h>
#include <sable/types.h>

struct timer_queue;

typedef void (*timer_fn_t)(void *data);

struct timer {
    s_time_t expires;              /* system time, ns */
    s_time_t slack;                /* may fire this much early (timer_set_slack) */
    s_time_t late;                 /* may fire this much late (timer_set_late) */
    timer_fn_t fn;
    void *data;
    struct timer_queue *queue;     /* owner: set at timer_init, changed only by
                                      timer_migrate with both queues locked */
    /* Guarded by queue->lock: */
    struct timer *prev, *next;     /* neighbours while queued */
    bool queued;
    bool running;                  /* its callback is running (atomic: read by timer_kill) */
};

struct timer_queue {
    spinlock_t lock;
    unsigned int cpu;
    /* Guarded by lock: */
    struct timer *head;            /* earliest expiry first */
    unsigned int nr_queued;
    s_time_t programmed;           /* deadline in the hardware, S_TIME_MAX: none */
    uint64_t nr_run;               /* callbacks run, for statistics */
};

/* Prepare an empty queue for cpu. */
void timer_queue_init(struct timer_queue *q, unsigned int cpu);

/* Prepare t (not queued) to call fn(data) on cpu's queue. */
void timer_init(struct timer *t, timer_fn_t fn, void *data, unsigned int cpu);

/* Arm t to fire at expires, or move it there if already armed. */
void timer_set(struct timer *t, s_time_t expires);

/*
 * Let t fire up to slack ns before its expiry: it never needs an interrupt
 * of its own while its queue runs anyway (another timer's interrupt) in
 * that window. For periodic housekeeping, such as polling the serial port,
 * that need not interrupt a guest that takes timer interrupts of its own.
 * Set before arming; 0 (the default): exact.
 */
void timer_set_slack(struct timer *t, s_time_t slack);

/*
 * Let t fire up to late ns after its expiry: arming it needs no new
 * deadline in the hardware when the one there already falls in that
 * window (Xen's timer_slop, 50 us by default, allows the same). For a
 * guest's timers, whose re-arming would otherwise reprogram the hardware
 * each time (under QEMU a one-shot APIC timer write costs 15-150 us).
 * Set before arming; 0 (the default): exact.
 */
void timer_set_late(struct timer *t, s_time_t late);

/*
 * The rhythm of a timer its owner re-arms after each expiry, such as a
 * guest's tick: give it each expiry as it fires; when the last two
 * intervals agree within tolerance, it returns when the next expiry is
 * expected to be (one interval on), else S_TIME_MAX.
 */
struct timer_rhythm {
    s_time_t last;                 /* the previous expiry, 0: none yet */
    s_time_t interval;             /* between the last two, 0: none yet */
};
s_time_t timer_rhythm_next(struct timer_rhythm *r, s_time_t expired, s_time_t tolerance);

/*
 * Disarm t; nothing if it is not armed. Does not wait for a callback that
 * is already running on t's CPU.
 */
void timer_stop(struct timer *t);

bool timer_is_active(const struct timer *t);

/*
 * Disarm t and wait until no callback of t is running on any CPU (one that
 * re-arms t is disarmed again): after it, t's memory and its data may be
 * freed. Never from t's own callback (it would wait for itself).
 */
void timer_kill(struct timer *t);

/* One try of timer_kill: t disarmed; false while its callback still runs. */
bool timer_try_kill(struct timer *t);

/*
 * Move t to cpu's queue, armed as it was (its callback then runs there):
 * for a vCPU's timers, which follow the vCPU when it changes CPU so that
 * they interrupt the CPU it runs on. Safe against timer_set/timer_stop on
 * other CPUs; a callback already running on the old CPU finishes there.
 */
void timer_migrate(struct timer *t, unsigned int cpu);

/* The CPU whose queue t is on. */
unsigned int timer_cpu(const struct timer *t);

/*
 * Run, in expiry order, every timer on q due at or before now (and those
 * whose slack reaches back to now), then program the next deadline. Called on q's CPU from its timer (or wake-up)
 * interrupt. A callback that re-arms at or before now runs again in the same
 * call. Returns the number of callbacks run.
 */
unsigned int timer_queue_run(struct timer_queue *q, s_time_t now);

/* arch: the queue of cpu. */
struct timer_queue *arch_timer_queue(unsigned int cpu);

/*
 * arch: make q's CPU take an interrupt at deadline (S_TIME_MAX: none needed),
 * early rather than late. Called with q->lock held, from any CPU: for
 * another CPU's queue the arch sends that CPU a wake-up that ends in
 * timer_queue_run().
 */
void arch_timer_program(struct timer_queue *q, s_time_t deadline);

#ifdef SABLE_HYPERVISOR
/* arch: this CPU's queue and timer interrupt (each CPU, after apic init). */
void timer_cpu_init(void);
/* arch: with debug_timers, check one-shot timers on every online CPU. */
void timer_selftest(void);
#endif

#endif
