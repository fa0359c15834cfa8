/*
 * Hypercall dispatch: number -> handler, built from the one list of
 * hypercalls in include/public/xen.h (SABLE_HYPERCALLS), never written out
 * a second time here.
 *
 * Each handler do_<name> is referenced weakly, so the table has every
 * number's handler that exists anywhere in the image and NULL for the ones
 * nobody has written yet; adding a hypercall means defining do_<name> with
 * the prototype of sable/hypercall.h, nothing more. (A weak reference in a
 * data initializer is an absolute address: an undefined one resolves to 0.)
 */
#include <sable/errno.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>

#define HC_WEAK(name) \
    extern __typeof__(do_##name) do_##name __attribute__((weak));
SABLE_HYPERCALLS(HC_WEAK)
#undef HC_WEAK

static const hypercall_fn_t hypercall_table[SABLE_NR_HYPERCALLS] = {
#define HC_ENTRY(name) [__HYPERVISOR_##name] = do_##name,
    SABLE_HYPERCALLS(HC_ENTRY)
#undef HC_ENTRY
};

static const char *const hypercall_names[SABLE_NR_HYPERCALLS] = {
#define HC_NAME(name) [__HYPERVISOR_##name] = #name,
    SABLE_HYPERCALLS(HC_NAME)
#undef HC_NAME
};

/*
 * Run hypercall nr with the guest's five argument registers. Numbers
 * outside the table, and numbers without a handler, give -ENOSYS.
 */
long hypercall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                        uint64_t a5)
{
    hypercall_fn_t fn = nr < SABLE_NR_HYPERCALLS ? hypercall_table[nr] : NULL;

    if (!fn)
        return -ENOSYS;
    return fn(a1, a2, a3, a4, a5);
}

const char *hypercall_name(uint64_t nr)
{
    return nr < SABLE_NR_HYPERCALLS ? hypercall_names[nr] : NULL;
}

long hypercall_create_continuation(unsigned int op, unsigned int nargs, const uint64_t *args)
{
    struct vcpu *v = current;

    ASSERT(nargs <= 5);
    v->hcall_preempted = true;
    if (v->mc_args)
        memcpy(v->mc_args, args, nargs * sizeof(*args));
    else
        arch_hypercall_continuation(op, nargs, args);
    return op;
}
