/*
 * dom0's control interface to the hypervisor, after Xen's libxc: one
 * function per domctl / sysctl / memory or event-channel operation the
 * toolstack uses. dom0 implements them with hypercalls
 * (dom0/toolstack/xc.c); the host unit tests link fakes instead, so the
 * portable toolstack code above them runs on the host too.
 *
 * Every function returns 0 (or a count) on success and a negative XEN_E*
 * error from the hypervisor otherwise.
 */
#ifndef DOM0_XC_H
#define DOM0_XC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "public/domctl.h"
#include "public/sysctl.h"
#include "public/xen.h"

/* Host figures (XEN_SYSCTL_physinfo). */
int xc_physinfo(struct xen_sysctl_physinfo *out);
/* Up to max domains with ids >= first, in id order: how many, or an error. */
int xc_domain_getinfolist(domid_t first, unsigned int max,
                          struct xen_domctl_getdomaininfo *out);
int xc_domain_getinfo(domid_t dom, struct xen_domctl_getdomaininfo *out);

/* A new, paused PV domain with vcpus vCPUs and ports up to max_port: its id in *dom. */
int xc_domain_create(uint32_t vcpus, uint32_t max_port, domid_t *dom);
/* The same for a PVH domain (XEN_DOMCTL_CDF_hvm | _hap, local APIC only). */
int xc_domain_create_hvm(uint32_t vcpus, uint32_t max_port, domid_t *dom);
int xc_domain_destroy(domid_t dom);
int xc_domain_pause(domid_t dom);
int xc_domain_unpause(domid_t dom);
int xc_domain_max_mem(domid_t dom, uint64_t max_kib);
int xc_domain_max_vcpus(domid_t dom, uint32_t vcpus);
int xc_domain_setvcpucontext(domid_t dom, uint32_t vcpu,
                             const struct vcpu_guest_context *ctxt);
/* SCHEDOP_remote_shutdown: stop dom with a SHUTDOWN_* reason (xl shutdown -F). */
int xc_domain_shutdown(domid_t dom, unsigned int reason);
/* XEN_DOMCTL_scheduler_op for the BVT scheduler: read or set dom's parameters. */
int xc_sched_bvt_get(domid_t dom, struct xen_domctl_sched_sable_bvt *p);
int xc_sched_bvt_set(domid_t dom, const struct xen_domctl_sched_sable_bvt *p);
/* XEN_DOMCTL_hypercall_init: the hypervisor fills dom's frame mfn with hypercall stubs. */
int xc_domain_hypercall_init(domid_t dom, xen_pfn_t mfn);

/*
 * XENMEM_populate_physmap for dom: frames[i] holds a guest frame number
 * on entry and the machine frame given to it on return. How many were
 * done (fewer: memory or the domain's max_mem ran out), or an error.
 */
long xc_populate_physmap(domid_t dom, uint64_t nr, xen_pfn_t *frames);
/*
 * The same with extents of 2^order frames; for an HVM domain frames[]
 * holds guest frames, which stay as they are. How many extents were done.
 */
long xc_populate_physmap_order(domid_t dom, unsigned int order, uint64_t nr, xen_pfn_t *frames);

/* XEN_DOMCTL_sethvmcontext: HVM state records (public/hvm_save.h) for dom's vCPUs. */
int xc_domain_sethvmcontext(domid_t dom, const void *buf, uint32_t size);
/* HVMOP_set_param on dom's behalf (HVM_PARAM_STORE_PFN, ...). */
int xc_hvm_param_set(domid_t dom, uint32_t index, uint64_t value);

/*
 * Map dom's machine frame mfn (an HVM domain's: guest frame) writable into dom0 (update_va_mapping_
 * otherdomain into a window of dom0's): 0 and *va, or an error. Unmap with
 * xc_unmap_foreign before the frame can become a page table or be freed.
 */
int xc_map_foreign(domid_t dom, xen_pfn_t mfn, void **va);
void xc_unmap_foreign(void *va);

/* EVTCHNOP_alloc_unbound on dom's behalf, for remote to bind: the port or an error. */
int xc_evtchn_alloc_unbound(domid_t dom, domid_t remote);
/* Bind dom0's new port to dom's unbound port remote_port: the local port or an error. */
int xc_evtchn_bind_interdomain(domid_t dom, uint32_t remote_port);
/* Signal / close one of dom0's ports. */
void xc_evtchn_notify(uint32_t port);
void xc_evtchn_close(uint32_t port);
/* Unmask the back-end ports whose events came since (after serving them). */
void xc_evtchn_backend_eoi(void);

#endif /* DOM0_XC_H */
