/*
 * vcpu_op: a domain's own vCPUs — bringing them up and down, their
 * one-shot and periodic timers (both raise VIRQ_TIMER), where their
 * vcpu_info lives, and their runstate. Semantics and error numbers are
 * Xen's (common/domain.c do_vcpu_op): an id beyond the domain's vCPUs is
 * -ENOENT whatever the command, unknown commands -ENOSYS.
 *
 * Also the guest-facing part of a vCPU's life (vcpu_guest_init and
 * friends), called by domain.c: its timers are created on the CPU the
 * scheduler placed it on and run there, in interrupt context.
 *
 * Periodic timers are off until the guest asks (Xen starts PV vCPUs with a
 * 10 ms one, which Linux turns off first thing). A registered vcpu_info must
 * be 8-byte aligned, stricter than Xen, because the hypervisor changes its
 * fields with atomic operations.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <sable/timer.h>
#include <sable/vcpu_time.h>

#include "public/sched.h"
#include "public/vcpu.h"
#include "public/xen.h"

#define PERIOD_MIN_NS   NSEC_PER_MSEC           /* Xen's limits */
#define PERIOD_MAX_NS   (1ULL << 62)

/* ---- timers ---- */

/*
 * A guest's one-shot timer may fire this late (Xen's default timer_slop):
 * enough for a ticking guest's re-arm to find the hardware already set.
 */
#define GUEST_TIMER_LATE (50 * (s_time_t)NSEC_PER_USEC)
/* A guest ticks steadily while its intervals agree this closely. */
#define GUEST_TICK_JITTER (2 * GUEST_TIMER_LATE)

/*
 * A guest that ticks (Linux: every 4 ms while busy) re-arms its one-shot
 * timer from the handler of the event sent here, one tick on. Left alone,
 * the hardware would be programmed twice a tick: now for whatever is next
 * in the queue, then again for the re-arm. So, while the guest keeps a
 * steady rhythm, a placeholder that does nothing holds the hardware just
 * after the expected re-arm (half the allowed lateness after it), and the
 * re-arm, within the lateness either way, needs no write. A guest that
 * does otherwise costs at most one early interrupt.
 */
static void vcpu_singleshot_fn(void *data)
{
    struct vcpu *v = data;
    s_time_t next = timer_rhythm_next(&v->singleshot_rhythm,
                                      __atomic_load_n(&v->singleshot_timer.expires,
                                                      __ATOMIC_RELAXED),
                                      GUEST_TICK_JITTER);

    if (next != S_TIME_MAX)
        timer_set(&v->singleshot_hint, next + GUEST_TIMER_LATE / 2);
    send_guest_vcpu_virq(v, VIRQ_TIMER);
}

static void vcpu_hint_fn(void *data)
{
    /* The expected re-arm did not come: the interrupt has done its part. */
}

/* The guest arms or stops its one-shot timer: the placeholder has done its part. */
static void singleshot_set(struct vcpu *v, s_time_t deadline)
{
    timer_stop(&v->singleshot_hint);
    timer_set(&v->singleshot_timer, deadline);
}

static void singleshot_stop(struct vcpu *v)
{
    timer_stop(&v->singleshot_hint);
    timer_stop(&v->singleshot_timer);
}

/* Fire, and re-arm one period after the deadline (or after now, if behind). */
static void vcpu_periodic_fn(void *data)
{
    struct vcpu *v = data;
    uint64_t period = __atomic_load_n(&v->periodic_period, __ATOMIC_RELAXED);
    s_time_t next = v->periodic_timer.expires + (s_time_t)period;
    s_time_t now = (s_time_t)now_ns();

    send_guest_vcpu_virq(v, VIRQ_TIMER);
    if (!period)
        return;
    timer_set(&v->periodic_timer, next > now ? next : now + (s_time_t)period);
}

static void vcpu_poll_timeout_fn(void *data)
{
    vcpu_poll_end(data);
}

void vcpu_guest_init(struct vcpu *v)
{
    timer_init(&v->singleshot_timer, vcpu_singleshot_fn, v, v->processor);
    timer_set_late(&v->singleshot_timer, GUEST_TIMER_LATE);
    timer_init(&v->singleshot_hint, vcpu_hint_fn, v, v->processor);
    memset(&v->singleshot_rhythm, 0, sizeof(v->singleshot_rhythm));
    timer_init(&v->periodic_timer, vcpu_periodic_fn, v, v->processor);
    timer_init(&v->poll_timer, vcpu_poll_timeout_fn, v, v->processor);
}

void vcpu_timers_follow(struct vcpu *v, unsigned int cpu)
{
    if (timer_cpu(&v->singleshot_timer) == cpu)
        return;                         /* they always move together */
    timer_migrate(&v->singleshot_timer, cpu);
    timer_migrate(&v->singleshot_hint, cpu);    /* it holds that CPU's hardware */
    timer_migrate(&v->periodic_timer, cpu);
    timer_migrate(&v->poll_timer, cpu);
}

void vcpu_guest_quiesce(struct vcpu *v)
{
    __atomic_store_n(&v->periodic_period, 0, __ATOMIC_RELAXED);
    singleshot_stop(v);
    timer_stop(&v->periodic_timer);
    timer_stop(&v->poll_timer);
    vcpu_poll_end(v);
}

/* Point v back at its shared_info slot, letting go of a registered frame. */
static void vcpu_info_unregister(struct vcpu *v)
{
    mfn_t mfn = v->vcpu_info_mfn;

    if (!mfn)
        return;
    v->vcpu_info = &v->domain->shared_info->vcpu_info[v->vcpu_id];
    v->vcpu_info_mfn = 0;
    page_put_writable(mfn);
}

/*
 * v is about to be freed: its timers disarmed and none of their callbacks
 * still running on another CPU (one that fired as the domain was destroyed
 * would use v after the free, and the single-shot's may re-arm the
 * placeholder, leaving a freed timer in that CPU's queue). The single-shot
 * timer goes first: its callback is what arms the placeholder.
 */
void vcpu_guest_destroy(struct vcpu *v)
{
    vcpu_guest_quiesce(v);
    timer_kill(&v->singleshot_timer);
    timer_kill(&v->singleshot_hint);
    timer_kill(&v->periodic_timer);
    timer_kill(&v->poll_timer);
    vcpu_info_unregister(v);
}

/* s_time_t for a guest's unsigned deadline: beyond the range is "never". */
static s_time_t guest_deadline(uint64_t ns)
{
    return ns > (uint64_t)S_TIME_MAX ? S_TIME_MAX : (s_time_t)ns;
}

/*
 * set_timer_op(deadline): one-shot VIRQ_TIMER at an absolute system time;
 * 0 cancels. As Xen does for Linux's sake, a deadline with bit 63 set or
 * more than 2^50 ns (13 days) ahead becomes "in 100 ms".
 */
long do_set_timer_op(uint64_t timeout, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    s_time_t now = (s_time_t)now_ns(), offset = (s_time_t)timeout - now;

    if (timeout == 0)
        singleshot_stop(v);
    else if ((s_time_t)timeout < 0 || (offset > 0 && (offset >> 50) != 0))
        singleshot_set(v, now + 100 * (s_time_t)NSEC_PER_MSEC);
    else
        singleshot_set(v, (s_time_t)timeout);
    return 0;
}

/* ---- sub-operations (v is a vCPU of the caller's domain) ---- */

static long op_initialise(struct vcpu *v, uint64_t arg)
{
    long rc;

    if (v->is_initialised || !(v->pause_flags & VPF_down))
        return -EEXIST;
    rc = arch_vcpu_initialise(v, arg);
    if (rc == 0)
        v->is_initialised = true;
    return rc;
}

int vcpu_up(struct vcpu *v)
{
    if (!v->is_initialised)
        return -EINVAL;
    if (__atomic_fetch_and(&v->pause_flags, ~VPF_down, __ATOMIC_SEQ_CST) & VPF_down)
        vcpu_wake(v);
    return 0;
}

static long op_up(struct vcpu *v, uint64_t arg)
{
    return vcpu_up(v);
}

/* Take v down; taking the last one down powers the domain off (Xen 4.17). */
static long op_down(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    bool others_up = false;

    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && i != v->vcpu_id && !(d->vcpu[i]->pause_flags & VPF_down))
            others_up = true;
    if (!others_up) {
        domain_shutdown(d, SHUTDOWN_poweroff);
        return 0;
    }
    if (!(__atomic_fetch_or(&v->pause_flags, VPF_down, __ATOMIC_SEQ_CST) & VPF_down))
        vcpu_sleep(v);
    return 0;
}

static long op_is_up(struct vcpu *v, uint64_t arg)
{
    return !(__atomic_load_n(&v->pause_flags, __ATOMIC_RELAXED) & VPF_down);
}

void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *r)
{
    uint64_t now = now_ns();

    memset(r, 0, sizeof(*r));
    r->state = v->runstate;
    r->state_entry_time = v->runstate_entry_time;
    for (unsigned int i = 0; i < 4; i++)
        r->time[i] = v->runstate_time[i];
    if ((unsigned int)r->state < 4 && now > r->state_entry_time)
        r->time[r->state] += now - r->state_entry_time;
}

static long op_get_runstate_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_runstate_info r;

    vcpu_runstate_get(v, &r);
    return copy_to_guest(arg, &r, sizeof(r)) ? -EFAULT : 0;
}

void vcpu_runstate_guest_update(struct vcpu *v)
{
    struct vcpu_runstate_info r;

    if (!v->runstate_guest_va)
        return;
    vcpu_runstate_get(v, &r);
    copy_to_guest(v->runstate_guest_va, &r, sizeof(r));    /* faults ignored, as Xen */
}

/* Remember where the guest wants its runstate copy (0: nowhere); fill it now. */
static long op_register_runstate_memory_area(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_runstate_memory_area area;

    if (copy_from_guest(&area, arg, sizeof(area)))
        return -EFAULT;
    /* Never an address outside guest space, even if later writes are checked. */
    if (area.addr.h && !guest_range_ok(area.addr.h, sizeof(struct vcpu_runstate_info)))
        return -EFAULT;
    v->runstate_guest_va = area.addr.h;
    if (v == current)
        vcpu_runstate_guest_update(v);
    return 0;
}

static long op_set_periodic_timer(struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_periodic_timer set;

    if (copy_from_guest(&set, arg, sizeof(set)))
        return -EFAULT;
    if (set.period_ns < PERIOD_MIN_NS || set.period_ns > PERIOD_MAX_NS)
        return -EINVAL;
    __atomic_store_n(&v->periodic_period, set.period_ns, __ATOMIC_RELAXED);
    timer_set(&v->periodic_timer, (s_time_t)(now_ns() + set.period_ns));
    return 0;
}

static long op_stop_periodic_timer(struct vcpu *v, uint64_t arg)
{
    __atomic_store_n(&v->periodic_period, 0, __ATOMIC_RELAXED);
    timer_stop(&v->periodic_timer);
    return 0;
}

/* Only on oneself (Xen); VCPU_SSHOTTMR_future refuses a past deadline. */
static long op_set_singleshot_timer(struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_singleshot_timer set;

    if (v != current)
        return -EINVAL;
    if (copy_from_guest(&set, arg, sizeof(set)))
        return -EFAULT;
    if ((set.flags & VCPU_SSHOTTMR_future) && set.timeout_abs_ns < now_ns())
        return -ETIME;
    singleshot_set(v, guest_deadline(set.timeout_abs_ns));
    return 0;
}

static long op_stop_singleshot_timer(struct vcpu *v, uint64_t arg)
{
    if (v != current)
        return -EINVAL;
    singleshot_stop(v);
    return 0;
}

/*
 * Take a writable reference on frame mfn of d for a vcpu_info at offset:
 * the frame must be d's own RAM and not a page table. 0 or -EINVAL.
 */
static int vcpu_info_frame_get(struct domain *d, uint64_t mfn, uint32_t offset)
{
    if (offset > PAGE_SIZE - sizeof(struct vcpu_info) || offset % 8)
        return -EINVAL;
    return page_get_writable(mfn, d->domain_id);
}

/*
 * Move v's vcpu_info into the guest frame mfn at offset (reached through
 * the direct map), once, on oneself or on a vCPU that is down. As in Xen
 * the old contents are carried over and then everything is marked pending,
 * so no event set during the move is lost.
 */
static long op_register_vcpu_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct vcpu_info *new_info;
    long rc;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -EFAULT;
    if ((v != current && !(v->pause_flags & VPF_down)) || v->vcpu_info_mfn || info.rsvd)
        return -EINVAL;
    /* HVM guests name a guest frame: the machine frame is the p2m's. */
    info.mfn = arch_guest_frame_to_mfn(v->domain, info.mfn);
    rc = vcpu_info_frame_get(v->domain, info.mfn, info.offset);
    if (rc)
        return rc;
    new_info = (struct vcpu_info *)((char *)page_to_virt(mfn_to_page(info.mfn)) + info.offset);
    memcpy(new_info, v->vcpu_info, sizeof(*new_info));
    v->vcpu_info_mfn = info.mfn;
    __atomic_store_n(&v->vcpu_info, new_info, __ATOMIC_RELEASE);
    __atomic_store_n(&new_info->evtchn_pending_sel, ~0ULL, __ATOMIC_SEQ_CST);
    __atomic_store_n(&new_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    update_vcpu_system_time(v);
    arch_vcpu_kick(v);
    return 0;
}

typedef long (*vcpu_op_fn_t)(struct vcpu *v, uint64_t arg);

static const vcpu_op_fn_t vcpu_ops[] = {
#define OP(name) [VCPUOP_##name] = op_##name
    OP(initialise),          OP(up),
    OP(down),                OP(is_up),
    OP(get_runstate_info),   OP(register_runstate_memory_area),
    OP(set_periodic_timer),  OP(stop_periodic_timer),
    OP(set_singleshot_timer), OP(stop_singleshot_timer),
    OP(register_vcpu_info),
#undef OP
};

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = domain_vcpu(current->domain, vcpuid);
    vcpu_op_fn_t fn = cmd < ARRAY_SIZE(vcpu_ops) ? vcpu_ops[cmd] : NULL;

    if (!v)
        return -ENOENT;
    if (!fn)
        return -ENOSYS;
    return fn(v, arg);
}
