/*
 * memory_op: a domain's memory as the guest sees it.
 *
 * So far only what hardware-assisted guests need at boot: add_to_physmap,
 * which places a hypervisor page (shared_info, grant frames) at a
 * guest-chosen frame of an HVM domain's physical map (the arch part,
 * hvm_add_to_physmap, does the mapping). Other commands answer -ENOSYS.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/sched.h>

#include "public/memory.h"
#include "public/xen.h"

/* arch/x86/hvm/hypercall.c: add_to_physmap for an HVM domain. */
long hvm_add_to_physmap(struct domain *d, const struct xen_add_to_physmap *xatp);

#define MEMOP_CMD_MASK 0x3f         /* the rest of cmd is a continuation start */

static long memory_add_to_physmap(uint64_t arg)
{
    struct domain *d = current->domain;
    struct xen_add_to_physmap xatp;

    if (copy_from_guest(&xatp, arg, sizeof(xatp)))
        return -EFAULT;
    if (xatp.domid != DOMID_SELF && xatp.domid != d->domain_id)
        return -EPERM;          /* foreign maps are the toolstack's, later */
    if (!d->is_hvm)
        return -EOPNOTSUPP;     /* PV guests see machine frames: nothing to place */
    return hvm_add_to_physmap(d, &xatp);
}

long do_memory_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    switch (cmd & MEMOP_CMD_MASK) {
    case XENMEM_add_to_physmap:
        return memory_add_to_physmap(arg);
    default:
        return -ENOSYS;
    }
}
