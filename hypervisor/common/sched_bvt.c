/*
 * Borrowed Virtual Time (Duda & Cheriton, SOSP 1999), the scheduling
 * policy of the Xen paper, per physical CPU, with caps.
 *
 * Each vCPU has an actual virtual time A that advances while it runs, by
 * the real time run scaled by SCHED_WEIGHT_DEFAULT / weight, so that over
 * time every runnable vCPU's A keeps pace and CPU time divides in
 * proportion to weight. The vCPU with the smallest effective virtual time
 * E runs, where E = A - W while it is warped (W: its domain's warp) and
 * E = A otherwise. A vCPU warps when it wakes up, for at most L (warpl)
 * of real time run, and may warp again only after U (warpu) unwarped: a
 * latency-sensitive domain is dispatched at once when its event arrives
 * but cannot take more than its share for long.
 *
 * The running vCPU keeps the CPU until some other vCPU's E falls below its
 * own by more than the context-switch allowance C (in its virtual time),
 * which makes C the time slice between equals. A waking vCPU's A is raised
 * to the CPU's scheduler virtual time (SVT, the smallest A among runnable
 * vCPUs) so that sleeping earns no credit; a vCPU moving to another CPU
 * keeps its lag behind SVT.
 *
 * Caps: a capped domain has a budget of cap% x BVT_CAP_PERIOD of CPU time
 * per period, shared by its vCPUs and refilled lazily; when it is spent,
 * its vCPUs are passed over (the CPU idles if nobody else can run) until
 * the refill. Overdraft (vCPUs running in parallel) carries over as debt.
 *
 * Queues are unsorted rings scanned at each decision: O(vCPUs per CPU).
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched_if.h>
#include <public/domctl.h>

#define BVT_CTX_ALLOW   (5 * (s_time_t)NSEC_PER_MSEC)      /* C */
#define BVT_MIN_SLICE   (500 * (s_time_t)NSEC_PER_USEC)    /* shortest planned run */
#define BVT_CAP_PERIOD  (10 * (s_time_t)NSEC_PER_MSEC)

struct bvt_dom {
    /* Written under the core's params_lock, read anywhere: */
    uint32_t weight, cap;
    uint64_t warp, warpl, warpu;
    spinlock_t cap_lock;        /* guards budget and refill_at */
    s_time_t budget;            /* ns left this period; < 0: debt */
    s_time_t refill_at;         /* start of the next period */
};

struct bvt_unit {
    struct sched_unit *unit;
    struct bvt_unit *next, *prev;   /* the queue ring, while queued */
    uint64_t avt;               /* A: actual virtual time */
    bool warped;
    bool has_warped;            /* unwarped_at is meaningful */
    s_time_t warp_ran;          /* real ns run in the current warp */
    s_time_t unwarped_at;       /* when its last warp ended */
};

struct bvt_cpu {
    struct bvt_unit *queue;     /* head of the ring, NULL when empty */
    uint64_t svt;               /* scheduler virtual time, never decreases */
};

static struct bvt_unit *bu(const struct sched_unit *u) { return u->priv; }
static struct bvt_cpu *bc(const struct sched_cpu *sc) { return sc->priv; }
static struct bvt_dom *bd(const struct sched_unit *u) { return u->vcpu->domain->sched_priv; }

static uint32_t dom_weight(const struct bvt_dom *d)
{
    return __atomic_load_n(&d->weight, __ATOMIC_RELAXED);
}

/* Virtual time for ns of real time at weight w, and back. */
static uint64_t vt_of(s_time_t ns, uint32_t w)
{
    return ns > 0 ? (uint64_t)ns * SCHED_WEIGHT_DEFAULT / w : 0;
}

/* (Rounded up, so that a vCPU run for ns_of(vt) has advanced at least vt.) */
static s_time_t ns_of(int64_t vt, uint32_t w)
{
    int64_t prod = vt * (int64_t)w;

    return prod > 0 ? (prod + SCHED_WEIGHT_DEFAULT - 1) / SCHED_WEIGHT_DEFAULT
                    : prod / (int64_t)SCHED_WEIGHT_DEFAULT;
}

/* a < b for virtual times, which may wrap. */
static bool vt_before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

/* E: A less the warp while warped. */
static uint64_t evt(const struct sched_unit *u)
{
    const struct bvt_unit *b = bu(u);

    return b->warped ? b->avt - __atomic_load_n(&bd(u)->warp, __ATOMIC_RELAXED) : b->avt;
}

/* curr's E including the time it has run since its dispatch. */
static uint64_t evt_running(const struct sched_cpu *sc, s_time_t now)
{
    return evt(sc->curr) + vt_of(now - sc->dispatched, dom_weight(bd(sc->curr)));
}

/* ---- caps ---- */

static s_time_t cap_quota(uint32_t cap)
{
    return BVT_CAP_PERIOD * (s_time_t)cap / 100;
}

/*
 * What d's cap allows now (refilled first): true with *left the ns it may
 * still run (S_TIME_MAX: no cap), or false with *left when it may run
 * again. The caller holds a CPU lock; cap_lock nests inside.
 */
static bool cap_allows(struct bvt_dom *d, s_time_t now, s_time_t *left)
{
    uint32_t cap = __atomic_load_n(&d->cap, __ATOMIC_RELAXED);
    unsigned long flags;
    bool ok;

    *left = S_TIME_MAX;
    if (!cap)
        return true;
    flags = spin_lock_irqsave(&d->cap_lock);
    if (now >= d->refill_at) {
        s_time_t periods = (now - d->refill_at) / BVT_CAP_PERIOD + 1;
        d->budget = MIN(d->budget + periods * cap_quota(cap), cap_quota(cap));
        d->refill_at += periods * BVT_CAP_PERIOD;
    }
    ok = d->budget > 0;
    *left = ok ? d->budget : d->refill_at;
    spin_unlock_irqrestore(&d->cap_lock, flags);
    return ok;
}

static void cap_charge(struct bvt_dom *d, s_time_t ran)
{
    unsigned long flags;

    if (!__atomic_load_n(&d->cap, __ATOMIC_RELAXED))
        return;
    flags = spin_lock_irqsave(&d->cap_lock);
    d->budget -= ran;
    spin_unlock_irqrestore(&d->cap_lock, flags);
}

/* ---- parameters ---- */

static int bvt_params_check(const struct domain *d, const struct sched_params *p)
{
    if (p->weight == 0 || p->weight > SCHED_WEIGHT_MAX ||
        (uint64_t)p->cap > 100ULL * d->max_vcpus || p->warp > SCHED_WARP_MAX ||
        p->warpl > SCHED_WARP_TIME_MAX || p->warpu > SCHED_WARP_TIME_MAX)
        return -EINVAL;
    return 0;
}

static void bvt_params_set(struct domain *d, const struct sched_params *p)
{
    struct bvt_dom *b = d->sched_priv;
    unsigned long flags;

    __atomic_store_n(&b->weight, p->weight, __ATOMIC_RELAXED);
    __atomic_store_n(&b->warp, p->warp, __ATOMIC_RELAXED);
    __atomic_store_n(&b->warpl, p->warpl, __ATOMIC_RELAXED);
    __atomic_store_n(&b->warpu, p->warpu, __ATOMIC_RELAXED);
    flags = spin_lock_irqsave(&b->cap_lock);
    if (p->cap != b->cap) {                 /* a new cap starts a fresh period */
        b->budget = cap_quota(p->cap);
        b->refill_at = (s_time_t)now_ns() + BVT_CAP_PERIOD;
    }
    __atomic_store_n(&b->cap, p->cap, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&b->cap_lock, flags);
}

static void bvt_params_get(const struct domain *d, struct sched_params *p)
{
    const struct bvt_dom *b = d->sched_priv;

    p->weight = b->weight;
    p->cap = b->cap;
    p->warp = b->warp;
    p->warpl = b->warpl;
    p->warpu = b->warpu;
}

static int bvt_dom_init(struct domain *d, const struct sched_params *p)
{
    struct bvt_dom *b = xzalloc(struct bvt_dom);

    if (!b)
        return -ENOMEM;
    b->cap_lock = (spinlock_t)SPINLOCK_INIT;
    b->cap = ~0U;                           /* so that params_set starts the period */
    d->sched_priv = b;
    bvt_params_set(d, p);
    return 0;
}

static void bvt_dom_destroy(struct domain *d)
{
    xfree(d->sched_priv);
    d->sched_priv = NULL;
}

/* ---- units and CPUs ---- */

static int bvt_unit_init(struct sched_cpu *sc, struct sched_unit *u)
{
    struct bvt_unit *b = xzalloc(struct bvt_unit);

    if (!b)
        return -ENOMEM;
    b->unit = u;
    b->avt = bc(sc)->svt;
    u->priv = b;
    return 0;
}

static void bvt_unit_destroy(struct sched_unit *u)
{
    xfree(u->priv);
    u->priv = NULL;
}

static int bvt_cpu_init(struct sched_cpu *sc)
{
    if (!sc->priv)
        sc->priv = xzalloc(struct bvt_cpu);
    return sc->priv ? 0 : -ENOMEM;
}

/* ---- the queue ---- */

static void queue_add(struct bvt_cpu *c, struct bvt_unit *b)
{
    if (!c->queue) {
        b->next = b->prev = b;
        c->queue = b;
        return;
    }
    b->next = c->queue;                     /* at the tail: FIFO among equals */
    b->prev = c->queue->prev;
    b->prev->next = b;
    c->queue->prev = b;
}

static void queue_del(struct bvt_cpu *c, struct bvt_unit *b)
{
    if (b->next == b) {
        c->queue = NULL;
    } else {
        b->prev->next = b->next;
        b->next->prev = b->prev;
        if (c->queue == b)
            c->queue = b->next;
    }
    b->next = b->prev = NULL;
}

/*
 * Bring SVT up to the smallest A of what may run here: sc->curr with its
 * run so far, extra (a unit between curr and the queue), and the queue.
 */
static uint64_t svt_update(struct sched_cpu *sc, struct sched_unit *extra, s_time_t now)
{
    struct bvt_cpu *c = bc(sc);
    struct bvt_unit *b = c->queue;
    bool any = false;
    uint64_t min = 0;

    if (sc->curr) {
        min = bu(sc->curr)->avt + vt_of(now - sc->dispatched, dom_weight(bd(sc->curr)));
        any = true;
    }
    if (extra && (!any || vt_before(bu(extra)->avt, min))) {
        min = bu(extra)->avt;
        any = true;
    }
    if (b) {
        do {
            if (sched_unit_eligible(b->unit, sc->cpu) && (!any || vt_before(b->avt, min))) {
                min = b->avt;
                any = true;
            }
            b = b->next;
        } while (b != c->queue);
    }
    if (any && vt_before(c->svt, min))
        c->svt = min;
    return c->svt;
}

/* A woken vCPU earns nothing for its sleep, and warps if it may. */
static void bvt_enqueue(struct sched_cpu *sc, struct sched_unit *u, bool woken, s_time_t now)
{
    struct bvt_unit *b = bu(u);
    struct bvt_dom *d = bd(u);

    if (woken) {
        uint64_t svt = svt_update(sc, NULL, now);
        uint64_t warpu = __atomic_load_n(&d->warpu, __ATOMIC_RELAXED);

        if (vt_before(b->avt, svt))
            b->avt = svt;
        if (__atomic_load_n(&d->warp, __ATOMIC_RELAXED) && !b->warped &&
            (!b->has_warped || now - b->unwarped_at >= (s_time_t)warpu)) {
            b->warped = true;
            b->warp_ran = 0;
        }
    }
    queue_add(bc(sc), b);
}

static void bvt_dequeue(struct sched_cpu *sc, struct sched_unit *u)
{
    queue_del(bc(sc), bu(u));
}

static void warp_end(struct bvt_unit *b, s_time_t now)
{
    if (!b->warped)
        return;
    b->warped = false;
    b->has_warped = true;
    b->unwarped_at = now;
}

static void bvt_charge(struct sched_cpu *sc, struct sched_unit *u, s_time_t ran, s_time_t now)
{
    struct bvt_unit *b = bu(u);
    struct bvt_dom *d = bd(u);
    uint64_t warpl = __atomic_load_n(&d->warpl, __ATOMIC_RELAXED);

    if (ran <= 0)
        return;
    b->avt += vt_of(ran, dom_weight(d));
    if (b->warped) {
        b->warp_ran += ran;
        if (warpl && b->warp_ran >= (s_time_t)warpl)
            warp_end(b, now);
    }
    cap_charge(d, ran);
}

static void bvt_block(struct sched_cpu *sc, struct sched_unit *u, s_time_t now)
{
    warp_end(bu(u), now);
}

/* ---- decisions ---- */

/* The two best (smallest E) candidates, and the earliest cap refill passed over. */
struct bvt_scan {
    struct sched_unit *best, *second;
    s_time_t refill;
};

static void scan_offer(struct bvt_scan *s, struct sched_unit *u)
{
    if (!s->best || vt_before(evt(u), evt(s->best))) {
        s->second = s->best;
        s->best = u;
    } else if (!s->second || vt_before(evt(u), evt(s->second))) {
        s->second = u;
    }
}

/* Offer u unless its domain's cap holds it back. */
static bool scan_offer_capped(struct bvt_scan *s, struct sched_unit *u, s_time_t now)
{
    s_time_t refill;

    if (!cap_allows(bd(u), now, &refill)) {
        s->refill = MIN(s->refill, refill);
        return false;
    }
    scan_offer(s, u);
    return true;
}

static void scan_queue(struct sched_cpu *sc, struct bvt_scan *s, s_time_t now)
{
    struct bvt_unit *b = bc(sc)->queue;

    if (!b)
        return;
    do {
        if (sched_unit_eligible(b->unit, sc->cpu))
            scan_offer_capped(s, b->unit, now);
        b = b->next;
    } while (b != bc(sc)->queue);
}

/* How long next may run before other (if any) should get the CPU. */
static s_time_t plan_until(struct sched_unit *next, struct sched_unit *other, s_time_t now)
{
    struct bvt_dom *d = bd(next);
    struct bvt_unit *b = bu(next);
    uint64_t warpl = __atomic_load_n(&d->warpl, __ATOMIC_RELAXED);
    s_time_t until = S_TIME_MAX, budget;

    if (other) {
        s_time_t lead = ns_of((int64_t)(evt(other) - evt(next)), dom_weight(d));
        until = now + MAX(BVT_MIN_SLICE, lead + BVT_CTX_ALLOW);
    }
    if (b->warped && warpl)
        until = MIN(until, now + MAX((s_time_t)warpl - b->warp_ran, (s_time_t)0));
    if (cap_allows(d, now, &budget) && budget != S_TIME_MAX)
        until = MIN(until, now + budget);
    return until;
}

static struct sched_pick bvt_pick(struct sched_cpu *sc, struct sched_unit *curr, bool yield,
                                  s_time_t now)
{
    struct bvt_scan s = { .refill = S_TIME_MAX };
    struct sched_unit *next = NULL, *other = NULL;
    struct sched_pick pick;
    bool curr_ok = false;

    svt_update(sc, curr, now);
    scan_queue(sc, &s, now);
    if (curr) {
        s_time_t refill;
        curr_ok = cap_allows(bd(curr), now, &refill);
        if (!curr_ok)
            s.refill = MIN(s.refill, refill);
    }
    /* curr goes on while no E is below its own by more than the allowance. */
    if (curr_ok && (!s.best || (!yield && vt_before(evt(curr), evt(s.best) +
                                vt_of(BVT_CTX_ALLOW, dom_weight(bd(curr))))))) {
        next = curr;
        other = s.best;
    } else if (s.best) {
        next = s.best;
        other = s.second;
        if (curr_ok && (!other || vt_before(evt(curr), evt(other))))
            other = curr;
    }
    if (next != curr) {
        if (next)
            queue_del(bc(sc), bu(next));
        if (curr)
            queue_add(bc(sc), bu(curr));
        /* A yield gives up the turn and the claim: no credit banked by yielding. */
        if (curr && yield && next && vt_before(bu(curr)->avt, bu(next)->avt))
            bu(curr)->avt = bu(next)->avt;
    }
    pick.next = next;
    pick.until = next ? MIN(plan_until(next, other, now), s.refill) : s.refill;
    return pick;
}

/* When curr should give way to u: once its E passes u's by the allowance. */
static s_time_t bvt_preempt_at(struct sched_cpu *sc, struct sched_unit *u, s_time_t now)
{
    struct sched_unit *curr = sc->curr;
    uint32_t w = dom_weight(bd(curr));
    s_time_t refill;

    if (!sched_unit_eligible(u, sc->cpu) || !cap_allows(bd(u), now, &refill))
        return S_TIME_MAX;
    return now + ns_of((int64_t)(evt(u) + vt_of(BVT_CTX_ALLOW, w) - evt_running(sc, now)), w);
}

/*
 * A queued unit of from that may run on `to`: one that prefers `to` (soft
 * affinity) if there is one, the smallest E among equals.
 */
static struct sched_unit *bvt_steal(struct sched_cpu *from, unsigned int to, s_time_t now)
{
    struct bvt_unit *b = bc(from)->queue;
    struct sched_unit *best = NULL;
    bool best_soft = false;
    s_time_t refill;

    if (!b)
        return NULL;
    do {
        struct sched_unit *u = b->unit;
        bool soft = u->vcpu->soft_affinity & (1ULL << to);
        if (sched_unit_eligible(u, to) && cap_allows(bd(u), now, &refill) &&
            (!best || (soft && !best_soft) ||
             (soft == best_soft && vt_before(evt(u), evt(best))))) {
            best = u;
            best_soft = soft;
        }
        b = b->next;
    } while (b != bc(from)->queue);
    return best;
}

/* Keep the unit's lag behind SVT across CPUs. */
static void bvt_migrate(struct sched_cpu *from, struct sched_cpu *to, struct sched_unit *u)
{
    bu(u)->avt += bc(to)->svt - bc(from)->svt;
}

const struct sched_policy sched_bvt_policy = {
    .name = "bvt",
    .sched_id = XEN_SCHEDULER_SABLE_BVT,
    .params_check = bvt_params_check,
    .dom_init = bvt_dom_init,
    .dom_destroy = bvt_dom_destroy,
    .params_set = bvt_params_set,
    .params_get = bvt_params_get,
    .unit_init = bvt_unit_init,
    .unit_destroy = bvt_unit_destroy,
    .cpu_init = bvt_cpu_init,
    .enqueue = bvt_enqueue,
    .dequeue = bvt_dequeue,
    .charge = bvt_charge,
    .block = bvt_block,
    .pick = bvt_pick,
    .preempt_at = bvt_preempt_at,
    .steal = bvt_steal,
    .migrate = bvt_migrate,
};
