/*
 * The domain-management commands of domctl (common/domctl_domain.c), which
 * common/domctl.c dispatches, and getdomaininfo, which sysctl's
 * getdomaininfolist shares. Each function checks everything before it
 * changes anything and returns 0 or Xen's error; the caller (do_domctl)
 * has already checked the interface version and the caller's privilege
 * and holds a reference on the target d.
 */
#ifndef SABLE_DOMCTL_H
#define SABLE_DOMCTL_H

#include <sable/domain.h>

#include "public/domctl.h"

/* XEN_DOMCTL_createdomain: *domid is IN (wanted id or 0) and OUT (the id). */
long domctl_createdomain(const struct xen_domctl_createdomain *c, domid_t *domid);
long domctl_destroydomain(struct domain *d);
long domctl_pausedomain(struct domain *d);
long domctl_unpausedomain(struct domain *d);
long domctl_max_mem(struct domain *d, const struct xen_domctl_max_mem *m);
long domctl_max_vcpus(struct domain *d, const struct xen_domctl_max_vcpus *m);
long domctl_setvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *c);
long domctl_getvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *c);
long domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *info);
long domctl_hypercall_init(struct domain *d, const struct xen_domctl_hypercall_init *h);
long domctl_sethvmcontext(struct domain *d, const struct xen_domctl_hvmcontext *c);

/* What XEN_DOMCTL_getdomaininfo reports about d (any state, dying too). */
void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info);

/*
 * arch: fill a vcpu_guest_context from v, which is not running (paused or
 * down). 0, or -EOPNOTSUPP where the arch cannot describe it (HVM).
 */
int arch_vcpu_get_context(struct vcpu *v, struct vcpu_guest_context *c);
/*
 * arch: write d's hypercall page into its frame gmfn: 0, or -EINVAL when
 * the frame is not d's to write (or d is not PV).
 */
int arch_hypercall_init(struct domain *d, uint64_t gmfn);
/*
 * arch: load the HVM state records buf (size bytes, public/hvm_save.h)
 * into HVM domain d's vCPUs (hvm/hvm_context.h): 0, or -EINVAL (not HVM,
 * malformed), -EOPNOTSUPP (records Sable keeps no state for), -EEXIST (a
 * vCPU that has a context already), with nothing loaded.
 */
int arch_hvm_load_context(struct domain *d, const void *buf, size_t size);

#endif /* SABLE_DOMCTL_H */
