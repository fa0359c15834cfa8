/*
 * multicall: run a batch of hypercalls with one guest entry. Each entry is
 * copied in, dispatched like a hypercall of its own, and its result written
 * back into the entry; a fault reading or writing an entry ends the batch
 * with -EFAULT (the entries before it have run, as in Xen).
 *
 * A batch is bounded (MULTICALL_MAX_CALLS, -EINVAL beyond; Linux batches
 * 32) to keep one guest from holding its CPU for long. An entry that asks
 * to be continued (a long mmu_update, say) has its new arguments written
 * back into the guest's entry, and the multicall is continued from that
 * entry, as Xen does. Entries that cannot run inside a batch get
 * -EINVAL in their result: a nested multicall (as Xen) and iret (it replaces
 * the caller's register frame and does not return). A batch also stops
 * early, returning 0, once the calling domain is shut down by one of its
 * entries.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>

#include "public/xen.h"

#define MULTICALL_MAX_CALLS 1024

/* One entry's result: dispatched, or refused inside a batch. */
static long multicall_run(const struct multicall_entry *e)
{
    if (e->op == __HYPERVISOR_multicall || e->op == __HYPERVISOR_iret)
        return -EINVAL;
    return hypercall_dispatch(e->op, e->args[0], e->args[1], e->args[2], e->args[3],
                              e->args[4]);
}

/* The entry at va stopped half-way: save its new arguments, continue from it. */
static long multicall_continue(struct vcpu *v, uint64_t va, const struct multicall_entry *e,
                               uint64_t left)
{
    uint64_t args[2] = { va, left };

    v->hcall_preempted = false;
    if (copy_to_guest(va + offsetof(struct multicall_entry, args), e->args, sizeof(e->args)))
        return -EFAULT;
    return hypercall_create_continuation(__HYPERVISOR_multicall, 2, args);
}

long do_multicall(uint64_t calls, uint64_t nr_calls, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    struct multicall_entry e;

    if (nr_calls > MULTICALL_MAX_CALLS)
        return -EINVAL;
    for (uint64_t i = 0; i < nr_calls; i++) {
        uint64_t va = calls + i * sizeof(e);
        long rc;

        if (copy_from_guest(&e, va, sizeof(e)))
            return -EFAULT;
        v->mc_args = e.args;
        rc = multicall_run(&e);
        v->mc_args = NULL;
        if (v->hcall_preempted)
            return multicall_continue(v, va, &e, nr_calls - i);
        e.result = (xen_ulong_t)rc;
        if (copy_to_guest(va + offsetof(struct multicall_entry, result), &e.result,
                          sizeof(e.result)))
            return -EFAULT;
        if (__atomic_load_n(&d->state, __ATOMIC_RELAXED) >= DOMSTATE_shutdown)
            break;
    }
    return 0;
}
