/*
 * Per-CPU one-shot timer queues (interface and rules in sable/timer.h).
 *
 * Invariant: while a queue is not empty, the deadline in the hardware
 * (q->programmed) is at or before the head's expiry plus the lateness it
 * allows (timer_set_late), so no timer fires later than it allows; an
 * interrupt that comes too early (the head was stopped or moved later)
 * just finds nothing due and reprograms.
 */
#include <sable/lib.h>
#include <sable/timer.h>

/* An empty queue with nothing programmed in the hardware. */
void timer_queue_init(struct timer_queue *q, unsigned int cpu)
{
    memset(q, 0, sizeof(*q));           /* also an unlocked lock */
    q->cpu = cpu;
    q->programmed = S_TIME_MAX;
}

/* Bind t to cpu's queue for good; it is not armed. */
void timer_init(struct timer *t, timer_fn_t fn, void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->queue = arch_timer_queue(cpu);
    ASSERT(t->queue);
}

/* Lock the queue t is on (timer_migrate may move it while we wait: check and retry). */
static struct timer_queue *lock_queue(struct timer *t, unsigned long *flags)
{
    for (;;) {
        struct timer_queue *q = __atomic_load_n(&t->queue, __ATOMIC_ACQUIRE);

        *flags = spin_lock_irqsave(&q->lock);
        if (__atomic_load_n(&t->queue, __ATOMIC_RELAXED) == q)
            return q;
        spin_unlock_irqrestore(&q->lock, *flags);
    }
}

/* Armed and not yet fired (a snapshot: it may fire right after). */
bool timer_is_active(const struct timer *t)
{
    return __atomic_load_n(&t->queued, __ATOMIC_RELAXED);
}

unsigned int timer_cpu(const struct timer *t)
{
    return __atomic_load_n(&t->queue, __ATOMIC_ACQUIRE)->cpu;
}

/* Take t out of q. Lock held, t queued. */
static void queue_unlink(struct timer_queue *q, struct timer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        q->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    t->queued = false;
    q->nr_queued--;
}

/*
 * Put t into q after every timer with the same or an earlier expiry, so
 * timers due at the same time fire in the order they were armed.
 */
static void queue_insert(struct timer_queue *q, struct timer *t)
{
    struct timer *prev = NULL, *cur = q->head;

    while (cur && cur->expires <= t->expires) {
        prev = cur;
        cur = cur->next;
    }
    t->prev = prev;
    t->next = cur;
    if (prev)
        prev->next = t;
    else
        q->head = t;
    if (cur)
        cur->prev = t;
    t->queued = true;
    q->nr_queued++;
}

/* Tell the hardware about the head's deadline if it changed. Lock held. */
static void queue_program(struct timer_queue *q)
{
    s_time_t deadline = q->head ? q->head->expires : S_TIME_MAX;

    if (deadline != q->programmed) {
        q->programmed = deadline;
        arch_timer_program(q, deadline);
    }
}

/*
 * t was just queued on q: does the hardware need a new deadline? Only for
 * a new earliest one, and not even then when the hardware's deadline is
 * within the lateness t allows. Lock held.
 */
static bool queue_needs_program(const struct timer_queue *q, const struct timer *t)
{
    /* Unsigned: the difference of two times, the second the earlier. */
    return q->head == t && t->expires < q->programmed &&
           (uint64_t)q->programmed - (uint64_t)t->expires > (uint64_t)t->late;
}

/*
 * (Re)arm: requeue at the new expiry; only a new earliest deadline needs
 * the hardware (a later one is caught by the early interrupt), and not
 * even that when the hardware's deadline is within the lateness t allows.
 */
void timer_set(struct timer *t, s_time_t expires)
{
    unsigned long flags;
    struct timer_queue *q = lock_queue(t, &flags);

    if (t->queued)
        queue_unlink(q, t);
    t->expires = expires;
    queue_insert(q, t);
    if (queue_needs_program(q, t))
        queue_program(q);
    spin_unlock_irqrestore(&q->lock, flags);
}

void timer_set_slack(struct timer *t, s_time_t slack)
{
    t->slack = slack > 0 ? slack : 0;
}

void timer_set_late(struct timer *t, s_time_t late)
{
    t->late = late > 0 ? late : 0;
}

s_time_t timer_rhythm_next(struct timer_rhythm *r, s_time_t expired, s_time_t tolerance)
{
    s_time_t interval = r->last && expired > r->last ? expired - r->last : 0;
    bool steady = interval && r->interval &&
                  (interval > r->interval ? interval - r->interval
                                          : r->interval - interval) <= tolerance;

    r->last = expired;
    r->interval = interval;
    return steady && expired <= S_TIME_MAX - interval ? expired + interval : S_TIME_MAX;
}

/* Disarm; the hardware keeps its deadline and fires once for nothing. */
void timer_stop(struct timer *t)
{
    unsigned long flags;
    struct timer_queue *q = lock_queue(t, &flags);

    if (t->queued)
        queue_unlink(q, t);
    spin_unlock_irqrestore(&q->lock, flags);
}

bool timer_try_kill(struct timer *t)
{
    unsigned long flags;
    struct timer_queue *q = lock_queue(t, &flags);
    bool running;

    if (t->queued)
        queue_unlink(q, t);
    running = __atomic_load_n(&t->running, __ATOMIC_ACQUIRE);
    spin_unlock_irqrestore(&q->lock, flags);
    return !running;
}

void timer_kill(struct timer *t)
{
    while (!timer_try_kill(t))
        ;                               /* each try takes the queue's lock: no spin of our own */
}

/*
 * Move t to cpu's queue, armed as it was. Both queues are locked, the
 * lower CPU first; the old queue keeps its hardware deadline and fires
 * once for nothing, as after timer_stop.
 */
void timer_migrate(struct timer *t, unsigned int cpu)
{
    struct timer_queue *to = arch_timer_queue(cpu), *from, *first, *second;
    unsigned long flags;

    ASSERT(to);
    for (;;) {
        from = __atomic_load_n(&t->queue, __ATOMIC_ACQUIRE);
        if (from == to)
            return;
        first = from->cpu < to->cpu ? from : to;
        second = first == from ? to : from;
        flags = spin_lock_irqsave(&first->lock);
        spin_lock(&second->lock);
        if (__atomic_load_n(&t->queue, __ATOMIC_RELAXED) == from)
            break;
        spin_unlock(&second->lock);
        spin_unlock_irqrestore(&first->lock, flags);
    }
    if (t->queued) {
        queue_unlink(from, t);
        queue_insert(to, t);
        if (queue_needs_program(to, t))
            queue_program(to);
    }
    __atomic_store_n(&t->queue, to, __ATOMIC_RELEASE);
    spin_unlock(&second->lock);
    spin_unlock_irqrestore(&first->lock, flags);
}

/*
 * The next timer to run at now, lock held: the head if it is due, else one
 * whose slack window has begun (the queue is short: a scan is fine).
 */
static struct timer *queue_due(struct timer_queue *q, s_time_t now)
{
    for (struct timer *t = q->head; t; t = t->next)
        if (t->expires <= now || (t->slack && t->expires - t->slack <= now))
            return t;
    return NULL;
}

/*
 * The hardware has fired (or another CPU asked us to look): whatever it
 * held is spent, so forget it, run what is due, and program what is next.
 * fn and data are copied before unlocking: once off the queue the timer may
 * be re-initialised by its owner.
 */
unsigned int timer_queue_run(struct timer_queue *q, s_time_t now)
{
    unsigned long flags = spin_lock_irqsave(&q->lock);
    unsigned int ran = 0;
    struct timer *t;

    q->programmed = S_TIME_MAX;
    while ((t = queue_due(q, now))) {
        timer_fn_t fn = t->fn;
        void *data = t->data;

        queue_unlink(q, t);
        __atomic_store_n(&t->running, true, __ATOMIC_RELAXED);
        spin_unlock_irqrestore(&q->lock, flags);
        fn(data);
        /* t may be freed once this is seen (timer_kill): no touching it after. */
        __atomic_store_n(&t->running, false, __ATOMIC_RELEASE);
        flags = spin_lock_irqsave(&q->lock);
        ran++;
    }
    q->nr_run += ran;
    queue_program(q);
    spin_unlock_irqrestore(&q->lock, flags);
    return ran;
}
