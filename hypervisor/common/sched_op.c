/*
 * sched_op: give up the CPU (yield), sleep until an event (block), sleep
 * until one of some ports is pending or a deadline passes (poll), and stop
 * a domain (shutdown, remote_shutdown) or record how it will stop
 * (shutdown_code). Behaviour and errors follow Xen's do_sched_op.
 *
 * Nothing here switches stacks: a vCPU that blocks, polls or shuts down
 * only changes its pause flags (and tells the scheduler), and the scheduler
 * switches away on the way out to the guest. The hypercall's return value
 * is what the guest sees when it runs again.
 *
 * Watchdogs and pin_override are not provided (-ENOSYS).
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/timer.h>

#include "public/sched.h"

#define SCHED_POLL_MAX_PORTS 128        /* Xen's limit */

static long sched_shutdown(struct domain *d, uint64_t arg)
{
    struct sched_shutdown s;

    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    domain_shutdown(d, s.reason);
    return 0;
}

/* Record the code a later shutdown (or crash) will report; the first one wins. */
static long sched_shutdown_code(struct domain *d, uint64_t arg)
{
    struct sched_shutdown s;

    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    spin_lock(&d->lock);
    if (d->shutdown_code == DOMAIN_SHUTDOWN_CODE_NONE && d->state < DOMSTATE_shutdown)
        d->shutdown_code = s.reason;
    spin_unlock(&d->lock);
    return 0;
}

/* Stop another domain: the privileged domain only (-ESRCH before -EPERM, as Xen). */
static long sched_remote_shutdown(struct domain *caller, uint64_t arg)
{
    struct sched_remote_shutdown r;
    struct domain *d;
    long rc = 0;

    if (copy_from_guest(&r, arg, sizeof(r)))
        return -EFAULT;
    d = domain_get_by_id(r.domain_id);
    if (!d)
        return -ESRCH;
    if (!caller->is_privileged)
        rc = -EPERM;
    else if (r.reason > SHUTDOWN_MAX)
        rc = -EINVAL;
    else
        domain_shutdown(d, r.reason);
    domain_put(d);
    return rc;
}

/* Undo the poll set-up when the vCPU does not sleep after all. */
static void sched_poll_cancel(struct vcpu *v)
{
    __atomic_fetch_and(&v->domain->poll_mask, ~(1ULL << v->vcpu_id), __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->poll_evtchn, 0, __ATOMIC_RELEASE);
    __atomic_fetch_and(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
}

/* True if an unmasked event, or one of the polled ports, is pending. */
static bool sched_poll_ready(struct vcpu *v, const evtchn_port_t *ports, unsigned int n)
{
    if (vcpu_event_pending(v))
        return true;
    for (unsigned int i = 0; i < n; i++)
        if (evtchn_port_is_pending(v->domain, ports[i]))
            return true;
    return false;
}

/*
 * SCHEDOP_poll: every port is read and checked before anything changes.
 * Then the vCPU announces itself as a poller of any port (so no event is
 * missed), checks once more, and narrows to its single port if it has
 * one. Masked ports count: polling is how a guest waits with events off.
 */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
    evtchn_port_t ports[SCHED_POLL_MAX_PORTS];
    struct domain *d = v->domain;
    struct sched_poll p;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > SCHED_POLL_MAX_PORTS)
        return -EINVAL;
    if (copy_from_guest(ports, p.ports, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    for (unsigned int i = 0; i < p.nr_ports; i++)
        if (ports[i] >= d->max_evtchns)
            return -EINVAL;

    __atomic_store_n(&v->poll_evtchn, -1, __ATOMIC_RELEASE);
    __atomic_fetch_or(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&d->poll_mask, 1ULL << v->vcpu_id, __ATOMIC_SEQ_CST);
    if (sched_poll_ready(v, ports, p.nr_ports)) {
        sched_poll_cancel(v);
        return 0;
    }
    if (p.nr_ports == 1)
        __atomic_store_n(&v->poll_evtchn, (int)ports[0], __ATOMIC_RELEASE);
    if (p.timeout)
        timer_set(&v->poll_timer, p.timeout > (uint64_t)S_TIME_MAX ? S_TIME_MAX
                                                                     : (s_time_t)p.timeout);
    else
        timer_stop(&v->poll_timer);
    vcpu_sleep(v);
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;

    switch (cmd) {
    case SCHEDOP_yield:
        vcpu_yield();
        return 0;
    case SCHEDOP_block:
        vcpu_block();
        return 0;
    case SCHEDOP_shutdown:
        return sched_shutdown(v->domain, arg);
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_remote_shutdown:
        return sched_remote_shutdown(v->domain, arg);
    case SCHEDOP_shutdown_code:
        return sched_shutdown_code(v->domain, arg);
    default:
        return -ENOSYS;
    }
}
