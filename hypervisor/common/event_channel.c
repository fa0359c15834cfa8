/*
 * Event channels, 2-level ABI: port p is bit p of shared_info.evtchn_pending
 * (set by the hypervisor) and of evtchn_mask (set by the guest); bit p / 64
 * of the notified vCPU's evtchn_pending_sel says which pending word to scan,
 * and vcpu_info.evtchn_upcall_pending says "scan at all". A port is closed
 * (free), unbound (waiting for a named remote domain to bind), interdomain
 * (connected to a port of another — or the same — domain), a VIRQ, or an IPI.
 * An unbound port may also be served by the hypervisor itself until its
 * remote domain binds (evtchn_alloc_xen_port: the console back-end serves
 * each domain's console ring until dom0 takes it over).
 * Behaviour and error numbers follow Xen's common/event_channel.c and
 * event_2l.c, argument checks before any state changes.
 *
 * Ports live in buckets of EVTCHN_BUCKET allocated in port order when the
 * lower ones are all in use, so a domain costs little until it opens many
 * ports; as in Xen, a port beyond the allocated buckets is not "valid" and
 * operations on it fail with -EINVAL. Port 0 is reserved and never handed out.
 *
 * Locking: d->evtchn_lock guards d's port states, buckets and VIRQ table,
 * and is always taken with interrupts off (timer callbacks send VIRQs).
 * An operation on both ends of an interdomain channel holds both domains'
 * locks, the lower domain id first. Pending, mask and selector bits are
 * shared with the guest and changed with atomic operations only.
 * An interdomain port points at its peer without a reference: the peer's
 * release closes the channel (under both locks) before the peer is freed.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <sable/spinlock.h>

#include "public/event_channel.h"
#include "public/xen.h"

#define EVTCHN_BUCKET 64                /* ports per bucket */
#define BITS_PER_WORD 64                /* bits per evtchn_pending word */

enum evtchn_state {
    ECS_FREE = 0,                       /* closed, available */
    ECS_RESERVED,                       /* port 0 */
    ECS_UNBOUND,
    ECS_INTERDOMAIN,
    ECS_VIRQ,
    ECS_IPI,
};

struct evtchn {
    uint8_t state;                      /* ECS_* */
    uint8_t notify_vcpu;                /* vCPU that gets the port's events */
    domid_t remote_domid;               /* UNBOUND: the domain allowed to bind */
    uint32_t data;                      /* INTERDOMAIN: peer's port; VIRQ: the VIRQ;
                                           UNBOUND: hypervisor consumer + 1, 0: none */
    struct domain *remote;              /* INTERDOMAIN: the peer domain */
};

/*
 * Hypervisor consumers of unbound ports: an UNBOUND port whose data is
 * i + 1 is served by xen_consumers[i] until its remote domain binds (which
 * overwrites data). Registered once, never removed.
 */
#define MAX_XEN_CONSUMERS 4
static evtchn_xen_fn_t xen_consumers[MAX_XEN_CONSUMERS];
static spinlock_t xen_consumers_lock = SPINLOCK_INIT;

BUILD_BUG_ON(DOMAIN_MAX_VCPUS > 256);   /* notify_vcpu is 8 bits */
BUILD_BUG_ON(sizeof(((struct vcpu *)0)->virq_to_evtchn) / sizeof(uint32_t) != NR_VIRQS);
BUILD_BUG_ON(EVTCHN_2L_NR_CHANNELS != 64 * BITS_PER_WORD);

/* ---- guest-visible bits ---- */

static bool bit_test(const xen_ulong_t *words, unsigned int nr)
{
    return __atomic_load_n(&words[nr / BITS_PER_WORD], __ATOMIC_ACQUIRE) &
           (1ULL << (nr % BITS_PER_WORD));
}

static bool bit_test_and_set(xen_ulong_t *words, unsigned int nr)
{
    uint64_t bit = 1ULL << (nr % BITS_PER_WORD);

    return __atomic_fetch_or(&words[nr / BITS_PER_WORD], bit, __ATOMIC_SEQ_CST) & bit;
}

static bool bit_test_and_clear(xen_ulong_t *words, unsigned int nr)
{
    uint64_t bit = 1ULL << (nr % BITS_PER_WORD);

    return __atomic_fetch_and(&words[nr / BITS_PER_WORD], ~bit, __ATOMIC_SEQ_CST) & bit;
}

/* Per-vCPU VIRQs fire on the vCPU they are bound on; the rest are global. */
static bool virq_is_global(unsigned int virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return false;
    default:
        return true;
    }
}

/* ---- ports ---- */

static bool port_is_valid(const struct domain *d, uint64_t port)
{
    return port < d->valid_evtchns;
}

static struct evtchn *evtchn_from_port(const struct domain *d, unsigned int port)
{
    return &d->evtchn[port / EVTCHN_BUCKET][port % EVTCHN_BUCKET];
}

/*
 * The lowest free port of d (evtchn_lock held), allocating the next bucket
 * when the allocated ones are full: -ENOSPC at max_evtchns, -EINVAL when d
 * is dying, -ENOMEM.
 */
static int evtchn_get_free_port(struct domain *d)
{
    struct evtchn *bucket;
    unsigned int port;

    if (__atomic_load_n(&d->state, __ATOMIC_RELAXED) >= DOMSTATE_dying)
        return -EINVAL;
    for (port = 1; port < d->valid_evtchns; port++)
        if (evtchn_from_port(d, port)->state == ECS_FREE)
            return port;
    if (port >= d->max_evtchns)
        return -ENOSPC;
    bucket = xzalloc_bytes(EVTCHN_BUCKET * sizeof(*bucket));
    if (!bucket)
        return -ENOMEM;
    d->evtchn[port / EVTCHN_BUCKET] = bucket;
    d->valid_evtchns = MIN(port + EVTCHN_BUCKET, d->max_evtchns);
    return port;
}

/* Back to closed; a stale pending bit would fire on the port's next use. */
static void evtchn_free(struct domain *d, unsigned int port)
{
    struct evtchn *chn = evtchn_from_port(d, port);

    bit_test_and_clear(d->shared_info->evtchn_pending, port);
    chn->state = ECS_FREE;
    chn->notify_vcpu = 0;
    chn->remote_domid = 0;
    chn->data = 0;
    chn->remote = NULL;
}

/* ---- delivery ---- */

/* Raise v's upcall; kick it only on the 0 -> 1 edge. */
static void vcpu_mark_events_pending(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        arch_vcpu_kick(v);
}

bool vcpu_poll_end(struct vcpu *v)
{
    struct domain *d = v->domain;
    uint64_t bit = 1ULL << v->vcpu_id;

    if (!(__atomic_fetch_and(&d->poll_mask, ~bit, __ATOMIC_SEQ_CST) & bit))
        return false;
    __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_RELEASE);
    __atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
    vcpu_wake(v);
    return true;
}

/* Wake the vCPUs of d polling for port (or for any port). */
static void evtchn_check_pollers(struct domain *d, unsigned int port)
{
    uint64_t mask = __atomic_load_n(&d->poll_mask, __ATOMIC_ACQUIRE);

    while (mask) {
        unsigned int id = __builtin_ctzll(mask);
        struct vcpu *v = domain_vcpu(d, id);
        int want = v ? __atomic_load_n(&v->poll_evtchn, __ATOMIC_ACQUIRE) : 0;

        mask &= mask - 1;
        if (v && (want <= 0 || (unsigned int)want == port))
            vcpu_poll_end(v);
    }
}

/*
 * The 2-level "set pending": once pending, an unmasked port sets its
 * selector bit and, if that was new, the vCPU's upcall flag; a masked port
 * stays pending for evtchn_unmask. Pollers are woken either way.
 */
static void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = domain_vcpu(d, vcpu_id);

    if (!v || bit_test_and_set(s->evtchn_pending, port))
        return;
    if (!bit_test(s->evtchn_mask, port) &&
        !bit_test_and_set(&v->vcpu_info->evtchn_pending_sel, port / BITS_PER_WORD))
        vcpu_mark_events_pending(v);
    evtchn_check_pollers(d, port);
}

bool vcpu_event_pending(struct vcpu *v)
{
    const struct vcpu_info *vi = v->vcpu_info;

    return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_ACQUIRE);
}

bool evtchn_port_is_pending(struct domain *d, unsigned int port)
{
    return port < d->max_evtchns && bit_test(d->shared_info->evtchn_pending, port);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    struct domain *d = v->domain;
    unsigned long flags;
    uint32_t port;

    if (virq >= NR_VIRQS || virq_is_global(virq))
        return;
    flags = spin_lock_irqsave(&d->evtchn_lock);
    port = v->virq_to_evtchn[virq];
    if (port && port_is_valid(d, port))
        evtchn_set_pending(d, v->vcpu_id, port);
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    struct vcpu *v = d ? domain_vcpu(d, 0) : NULL;
    unsigned long flags;
    uint32_t port;

    if (!v || virq >= NR_VIRQS || !virq_is_global(virq))
        return;
    flags = spin_lock_irqsave(&d->evtchn_lock);
    port = v->virq_to_evtchn[virq];
    if (port && port_is_valid(d, port))
        evtchn_set_pending(d, evtchn_from_port(d, port)->notify_vcpu, port);
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
}

/* ---- locking two domains ---- */

/* Lock a's and b's ports (a may equal b), lower domain id first. */
static unsigned long evtchn_lock_pair(struct domain *a, struct domain *b)
{
    struct domain *first = (a != b && b->domain_id < a->domain_id) ? b : a;
    struct domain *second = first == a ? b : a;
    unsigned long flags = spin_lock_irqsave(&first->evtchn_lock);

    if (second != first)
        spin_lock(&second->evtchn_lock);
    return flags;
}

static void evtchn_unlock_pair(struct domain *a, struct domain *b, unsigned long flags)
{
    if (a != b)
        spin_unlock(&b->evtchn_lock);
    spin_unlock_irqrestore(&a->evtchn_lock, flags);
}

/* ---- operations ---- */

/*
 * The domain an operation names: DOMID_SELF or the caller's own id gives
 * the caller; another domain needs privilege. A counted reference, or
 * -ESRCH (no such domain) / -EPERM, checked in that order as Xen does.
 */
static int evtchn_target(struct domain *ld, domid_t dom, struct domain **out)
{
    struct domain *d;

    if (dom == DOMID_SELF || dom == ld->domain_id)
        d = domain_get(ld) ? ld : NULL;
    else
        d = domain_get_by_id(dom);
    if (!d)
        return -ESRCH;
    if (d != ld && !ld->is_privileged) {
        domain_put(d);
        return -EPERM;
    }
    *out = d;
    return 0;
}

/* Make a new unbound port of d for remote; the port or -errno. */
static int evtchn_alloc_unbound_locked(struct domain *d, domid_t remote)
{
    int port = evtchn_get_free_port(d);

    if (port > 0) {
        struct evtchn *chn = evtchn_from_port(d, port);
        chn->state = ECS_UNBOUND;
        chn->remote_domid = remote;
    }
    return port;
}

int evtchn_alloc_unbound_port(struct domain *d, domid_t remote)
{
    unsigned long flags = spin_lock_irqsave(&d->evtchn_lock);
    int port = evtchn_alloc_unbound_locked(d, remote);

    spin_unlock_irqrestore(&d->evtchn_lock, flags);
    return port;
}

/* The consumer's index + 1 (registering fn on first use if add); 0: none / table full. */
static uint32_t xen_consumer_id(evtchn_xen_fn_t fn, bool add)
{
    unsigned long flags = spin_lock_irqsave(&xen_consumers_lock);
    uint32_t id = 0;

    for (unsigned int i = 0; i < MAX_XEN_CONSUMERS && !id; i++) {
        if (!xen_consumers[i] && add)
            __atomic_store_n(&xen_consumers[i], fn, __ATOMIC_RELEASE);
        if (xen_consumers[i] == fn)
            id = i + 1;
    }
    spin_unlock_irqrestore(&xen_consumers_lock, flags);
    return id;
}

int evtchn_alloc_xen_port(struct domain *d, domid_t remote, evtchn_xen_fn_t fn)
{
    uint32_t id = xen_consumer_id(fn, true);
    unsigned long flags;
    int port;

    if (!id)
        return -ENOSPC;
    flags = spin_lock_irqsave(&d->evtchn_lock);
    port = evtchn_alloc_unbound_locked(d, remote);
    if (port > 0)
        evtchn_from_port(d, port)->data = id;
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
    return port;
}

/* Is d's port an unbound port still served by consumer id (lock held)? */
static struct evtchn *xen_port_locked(struct domain *d, unsigned int port, uint32_t id)
{
    struct evtchn *chn = port_is_valid(d, port) ? evtchn_from_port(d, port) : NULL;

    return chn && chn->state == ECS_UNBOUND && chn->data == id && id ? chn : NULL;
}

bool evtchn_is_xen_port(struct domain *d, unsigned int port, evtchn_xen_fn_t fn)
{
    uint32_t id = xen_consumer_id(fn, false);
    unsigned long flags = spin_lock_irqsave(&d->evtchn_lock);
    bool ours = xen_port_locked(d, port, id) != NULL;

    spin_unlock_irqrestore(&d->evtchn_lock, flags);
    return ours;
}

int evtchn_notify_from_xen(struct domain *d, unsigned int port, evtchn_xen_fn_t fn)
{
    uint32_t id = xen_consumer_id(fn, false);
    unsigned long flags = spin_lock_irqsave(&d->evtchn_lock);
    struct evtchn *chn = xen_port_locked(d, port, id);

    if (chn)
        evtchn_set_pending(d, chn->notify_vcpu, port);
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
    return chn ? 0 : -EINVAL;
}

static long op_alloc_unbound(struct domain *ld, void *arg)
{
    struct evtchn_alloc_unbound *a = arg;
    domid_t remote = a->remote_dom == DOMID_SELF ? ld->domain_id : a->remote_dom;
    struct domain *d;
    int rc = evtchn_target(ld, a->dom, &d);

    if (rc)
        return rc;
    rc = evtchn_alloc_unbound_port(d, remote);
    if (rc > 0) {
        a->port = rc;
        rc = 0;
    }
    domain_put(d);
    return rc;
}

/*
 * Connect a new port of ld to rd's unbound port rport, which must name ld
 * as the domain allowed to bind. As in Xen the new local port is made
 * pending at once: notifications sent while rport was unbound were lost.
 */
static long op_bind_interdomain(struct domain *ld, void *arg)
{
    struct evtchn_bind_interdomain *b = arg;
    domid_t rdom = b->remote_dom == DOMID_SELF ? ld->domain_id : b->remote_dom;
    struct domain *rd = rdom == ld->domain_id ? (domain_get(ld) ? ld : NULL)
                                              : domain_get_by_id(rdom);
    struct evtchn *lchn, *rchn;
    unsigned long flags;
    int lport, rc = 0;

    if (!rd)
        return -ESRCH;
    flags = evtchn_lock_pair(ld, rd);
    rchn = port_is_valid(rd, b->remote_port) ? evtchn_from_port(rd, b->remote_port) : NULL;
    if (!rchn || rchn->state != ECS_UNBOUND || rchn->remote_domid != ld->domain_id) {
        rc = -EINVAL;
        goto out;
    }
    lport = evtchn_get_free_port(ld);
    if (lport < 0) {
        rc = lport;
        goto out;
    }
    lchn = evtchn_from_port(ld, lport);
    lchn->state = ECS_INTERDOMAIN;
    lchn->remote = rd;
    lchn->data = b->remote_port;
    rchn->state = ECS_INTERDOMAIN;
    rchn->remote = ld;
    rchn->data = lport;
    evtchn_set_pending(ld, lchn->notify_vcpu, lport);
    b->local_port = lport;
out:
    evtchn_unlock_pair(ld, rd, flags);
    domain_put(rd);
    return rc;
}

static long op_bind_virq(struct domain *ld, void *arg)
{
    struct evtchn_bind_virq *b = arg;
    unsigned long flags;
    struct evtchn *chn;
    struct vcpu *v;
    int port;

    if (b->virq >= NR_VIRQS || (virq_is_global(b->virq) && b->vcpu != 0))
        return -EINVAL;
    v = domain_vcpu(ld, b->vcpu);
    if (!v)
        return -ENOENT;
    flags = spin_lock_irqsave(&ld->evtchn_lock);
    port = v->virq_to_evtchn[b->virq] ? -EEXIST : evtchn_get_free_port(ld);
    if (port > 0) {
        chn = evtchn_from_port(ld, port);
        chn->state = ECS_VIRQ;
        chn->notify_vcpu = b->vcpu;
        chn->data = b->virq;
        v->virq_to_evtchn[b->virq] = port;
        b->port = port;
    }
    spin_unlock_irqrestore(&ld->evtchn_lock, flags);
    return port < 0 ? port : 0;
}

static long op_bind_ipi(struct domain *ld, void *arg)
{
    struct evtchn_bind_ipi *b = arg;
    unsigned long flags;
    int port;

    if (!domain_vcpu(ld, b->vcpu))
        return -ENOENT;
    flags = spin_lock_irqsave(&ld->evtchn_lock);
    port = evtchn_get_free_port(ld);
    if (port > 0) {
        struct evtchn *chn = evtchn_from_port(ld, port);
        chn->state = ECS_IPI;
        chn->notify_vcpu = b->vcpu;
        b->port = port;
    }
    spin_unlock_irqrestore(&ld->evtchn_lock, flags);
    return port < 0 ? port : 0;
}

/*
 * Close d's port with d's lock (and, for an interdomain port, the peer's
 * lock) held. The peer's end goes back to unbound, bindable again by d,
 * as in Xen.
 */
static int evtchn_close_locked(struct domain *d, unsigned int port)
{
    struct evtchn *chn = evtchn_from_port(d, port);
    struct evtchn *peer;

    switch (chn->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_VIRQ:
        for (unsigned int i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i] && d->vcpu[i]->virq_to_evtchn[chn->data] == port)
                d->vcpu[i]->virq_to_evtchn[chn->data] = 0;
        break;
    case ECS_INTERDOMAIN:
        peer = evtchn_from_port(chn->remote, chn->data);
        peer->state = ECS_UNBOUND;
        peer->remote_domid = d->domain_id;
        peer->remote = NULL;
        peer->data = 0;
        break;
    default:
        break;
    }
    evtchn_free(d, port);
    return 0;
}

/*
 * Close with the right locks. An interdomain port needs its peer's lock
 * too, taken in id order: a higher-id peer can simply be locked next; for
 * a lower-id one d's lock is dropped, the peer pinned with a reference and
 * both locked in order, then the port looked at again. A peer whose last
 * reference is already gone is closing this channel from its side (its
 * release holds the lower lock first), so we let it and retry.
 */
int evtchn_close(struct domain *d, unsigned int port)
{
    for (;;) {
        unsigned long flags = spin_lock_irqsave(&d->evtchn_lock);
        struct evtchn *chn = port_is_valid(d, port) ? evtchn_from_port(d, port) : NULL;
        struct domain *peer = chn && chn->state == ECS_INTERDOMAIN ? chn->remote : NULL;
        int rc;

        if (!chn || !peer || peer == d || peer->domain_id > d->domain_id) {
            if (peer && peer != d)
                spin_lock(&peer->evtchn_lock);
            rc = chn ? evtchn_close_locked(d, port) : -EINVAL;
            if (peer && peer != d)
                spin_unlock(&peer->evtchn_lock);
            spin_unlock_irqrestore(&d->evtchn_lock, flags);
            return rc;
        }
        if (!domain_get(peer)) {
            spin_unlock_irqrestore(&d->evtchn_lock, flags);
            continue;
        }
        spin_unlock_irqrestore(&d->evtchn_lock, flags);
        flags = evtchn_lock_pair(d, peer);
        rc = -EAGAIN;
        if (chn->state != ECS_INTERDOMAIN || chn->remote == peer)
            rc = evtchn_close_locked(d, port);
        evtchn_unlock_pair(d, peer, flags);
        domain_put(peer);
        if (rc != -EAGAIN)
            return rc;
    }
}

static long op_close(struct domain *ld, void *arg)
{
    return evtchn_close(ld, ((struct evtchn_close *)arg)->port);
}

/*
 * Notify the other end: an interdomain port signals the peer's port, an
 * IPI port itself; an unbound port drops the notification (Xen) unless the
 * hypervisor serves it, whose consumer is then called (after the lock is
 * dropped: it may take its own locks and notify back); VIRQ and closed
 * ports give -EINVAL.
 */
int evtchn_send(struct domain *d, unsigned int port)
{
    unsigned long flags = spin_lock_irqsave(&d->evtchn_lock);
    struct evtchn *chn = port_is_valid(d, port) ? evtchn_from_port(d, port) : NULL;
    evtchn_xen_fn_t consumer = NULL;
    int rc = 0;

    switch (chn ? chn->state : ECS_FREE) {
    case ECS_INTERDOMAIN:
        evtchn_set_pending(chn->remote, evtchn_from_port(chn->remote, chn->data)->notify_vcpu,
                           chn->data);
        break;
    case ECS_IPI:
        evtchn_set_pending(d, chn->notify_vcpu, port);
        break;
    case ECS_UNBOUND:
        if (chn->data && chn->data <= MAX_XEN_CONSUMERS)
            consumer = __atomic_load_n(&xen_consumers[chn->data - 1], __ATOMIC_ACQUIRE);
        break;
    default:
        rc = -EINVAL;
        break;
    }
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
    if (consumer)
        consumer(d, port);
    return rc;
}

static long op_send(struct domain *ld, void *arg)
{
    return evtchn_send(ld, ((struct evtchn_send *)arg)->port);
}

/* What a port is bound to. Another domain's ports need privilege. */
static long op_status(struct domain *ld, void *arg)
{
    struct evtchn_status *st = arg;
    struct domain *d;
    unsigned long flags;
    struct evtchn *chn;
    int rc = evtchn_target(ld, st->dom, &d);

    if (rc)
        return rc;
    flags = spin_lock_irqsave(&d->evtchn_lock);
    chn = port_is_valid(d, st->port) ? evtchn_from_port(d, st->port) : NULL;
    memset(&st->u, 0, sizeof(st->u));
    if (!chn)
        rc = -EINVAL;
    else if (chn->state == ECS_UNBOUND)
        st->u.unbound.dom = chn->remote_domid;
    else if (chn->state == ECS_INTERDOMAIN) {
        st->u.interdomain.dom = chn->remote->domain_id;
        st->u.interdomain.port = chn->data;
    } else if (chn->state == ECS_VIRQ)
        st->u.virq = chn->data;
    if (chn) {
        static const uint32_t stat[] = {
            [ECS_FREE] = EVTCHNSTAT_closed,    [ECS_RESERVED] = EVTCHNSTAT_closed,
            [ECS_UNBOUND] = EVTCHNSTAT_unbound, [ECS_INTERDOMAIN] = EVTCHNSTAT_interdomain,
            [ECS_VIRQ] = EVTCHNSTAT_virq,      [ECS_IPI] = EVTCHNSTAT_ipi,
        };
        st->status = stat[chn->state];
        st->vcpu = chn->notify_vcpu;
    }
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
    domain_put(d);
    return rc;
}

/* Send a port's future events to another vCPU (not per-vCPU VIRQs, not IPIs). */
static long op_bind_vcpu(struct domain *ld, void *arg)
{
    struct evtchn_bind_vcpu *b = arg;
    unsigned long flags;
    struct evtchn *chn;
    int rc = 0;

    if (!domain_vcpu(ld, b->vcpu))
        return -ENOENT;
    flags = spin_lock_irqsave(&ld->evtchn_lock);
    chn = port_is_valid(ld, b->port) ? evtchn_from_port(ld, b->port) : NULL;
    if (chn && (chn->state == ECS_UNBOUND || chn->state == ECS_INTERDOMAIN ||
                (chn->state == ECS_VIRQ && virq_is_global(chn->data))))
        chn->notify_vcpu = b->vcpu;
    else
        rc = -EINVAL;
    spin_unlock_irqrestore(&ld->evtchn_lock, flags);
    return rc;
}

/*
 * Clear the port's mask; if it was masked and is pending, deliver now the
 * event that was held back (selector bit, then upcall), as event_2l does.
 */
static long op_unmask(struct domain *ld, void *arg)
{
    unsigned int port = ((struct evtchn_unmask *)arg)->port;
    struct shared_info *s = ld->shared_info;
    unsigned long flags;
    struct vcpu *v;
    int rc = 0;

    flags = spin_lock_irqsave(&ld->evtchn_lock);
    if (!port_is_valid(ld, port))
        rc = -EINVAL;
    else if (bit_test_and_clear(s->evtchn_mask, port) && bit_test(s->evtchn_pending, port)) {
        v = domain_vcpu(ld, evtchn_from_port(ld, port)->notify_vcpu);
        if (v && !bit_test_and_set(&v->vcpu_info->evtchn_pending_sel, port / BITS_PER_WORD))
            vcpu_mark_events_pending(v);
    }
    spin_unlock_irqrestore(&ld->evtchn_lock, flags);
    return rc;
}

/* Close every port of a domain (the caller's, or any with privilege). */
static long op_reset(struct domain *ld, void *arg)
{
    struct domain *d;
    int rc = evtchn_target(ld, ((struct evtchn_reset *)arg)->dom, &d);

    if (rc)
        return rc;
    for (unsigned int port = 1; port < d->valid_evtchns; port++)
        evtchn_close(d, port);
    domain_put(d);
    return 0;
}

/* ---- the hypercall ---- */

union evtchn_op_arg {
    struct evtchn_alloc_unbound alloc_unbound;
    struct evtchn_bind_interdomain bind_interdomain;
    struct evtchn_bind_virq bind_virq;
    struct evtchn_bind_ipi bind_ipi;
    struct evtchn_close close;
    struct evtchn_send send;
    struct evtchn_status status;
    struct evtchn_bind_vcpu bind_vcpu;
    struct evtchn_unmask unmask;
    struct evtchn_reset reset;
};

struct evtchn_op_desc {
    long (*fn)(struct domain *ld, void *arg);
    uint8_t size;               /* bytes of the argument structure */
    bool copy_back;             /* it has OUT fields */
};

/* Sub-operations; missing ones (pirq, the FIFO ABI) answer -ENOSYS. */
static const struct evtchn_op_desc evtchn_ops[] = {
#define OP(name, back) [EVTCHNOP_##name] = { op_##name, sizeof(struct evtchn_##name), back }
    OP(alloc_unbound, true), OP(bind_interdomain, true), OP(bind_virq, true),
    OP(bind_ipi, true),      OP(close, false),           OP(send, false),
    OP(status, true),        OP(bind_vcpu, false),       OP(unmask, false),
    OP(reset, false),
#undef OP
};

/*
 * event_channel_op(cmd, arg): copy the argument structure in, run the
 * sub-operation for the calling domain, copy it back when it has results.
 */
long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    const struct evtchn_op_desc *op = cmd < ARRAY_SIZE(evtchn_ops) ? &evtchn_ops[cmd] : NULL;
    union evtchn_op_arg buf;
    struct domain *ld = current->domain;
    long rc;

    if (!op || !op->fn)
        return -ENOSYS;
    if (copy_from_guest(&buf, arg, op->size))
        return -EFAULT;
    rc = op->fn(ld, &buf);
    if (rc == 0 && op->copy_back && copy_to_guest(arg, &buf, op->size))
        rc = -EFAULT;
    return rc;
}

/* ---- per-domain setup ---- */

int evtchn_domain_init(struct domain *d, unsigned int max_ports)
{
    unsigned int max = MIN(max_ports, (unsigned int)EVTCHN_2L_NR_CHANNELS);
    unsigned int nbuckets = (max + EVTCHN_BUCKET - 1) / EVTCHN_BUCKET;

    if (max == 0)
        return -EINVAL;
    d->evtchn = xzalloc_bytes(nbuckets * sizeof(*d->evtchn));
    if (!d->evtchn)
        return -ENOMEM;
    d->evtchn[0] = xzalloc_bytes(EVTCHN_BUCKET * sizeof(struct evtchn));
    if (!d->evtchn[0]) {
        xfree(d->evtchn);
        d->evtchn = NULL;
        return -ENOMEM;
    }
    d->max_evtchns = max;
    d->valid_evtchns = MIN(max, (unsigned int)EVTCHN_BUCKET);
    d->evtchn[0][0].state = ECS_RESERVED;
    return 0;
}

/*
 * Close every port (interdomain peers become unbound) and free the
 * buckets. d must be dying or never published, so no port opens meanwhile.
 */
void evtchn_domain_destroy(struct domain *d)
{
    unsigned int nbuckets;
    unsigned long flags;

    if (!d->evtchn)
        return;
    for (unsigned int port = 1; port < d->valid_evtchns; port++)
        evtchn_close(d, port);
    flags = spin_lock_irqsave(&d->evtchn_lock);
    nbuckets = (d->valid_evtchns + EVTCHN_BUCKET - 1) / EVTCHN_BUCKET;
    for (unsigned int i = 0; i < nbuckets; i++)
        xfree(d->evtchn[i]);
    xfree(d->evtchn);
    d->evtchn = NULL;
    d->valid_evtchns = 0;
    d->max_evtchns = 0;
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
}
