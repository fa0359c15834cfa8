/*
 * dom0's domain builder for PVH guests (a stock Linux vmlinux, or any ELF
 * kernel with a XEN_ELFNOTE_PHYS32_ENTRY note), as Xen's libxl/libxc build
 * a PVH domU: a domain made with xc_domain_create_hvm gets its RAM by
 * populate_physmap (2 MiB extents where aligned), its kernel, initrd, ACPI
 * tables and hvm_start_info written through foreign mappings of its guest
 * frames, a XenStore and a console page at Xen's special frames with
 * unbound event channels for dom0, the HVM params that name them, and
 * vCPU 0's first state by XEN_DOMCTL_sethvmcontext (as libxc's vcpu_hvm),
 * so it is ready to unpause. The layout is the hypervisor's boot builder's
 * (sable/pvh_layout.h, shared).
 *
 * Portable: the host unit tests run it against a fake hypervisor.
 */
#ifndef DOM0_PVH_BUILD_H
#define DOM0_PVH_BUILD_H

#include <dom0/pv_build.h>

/*
 * Build rq->dom (rq->vcpus vCPUs). 0 and *out (store_mfn / console_mfn are
 * guest frames), or -1 with err saying why; the caller then destroys the
 * domain, which frees whatever was given to it.
 */
int pvh_build(const struct pv_build_request *rq, struct pv_build_result *out, char *err,
              size_t errlen);

#endif /* DOM0_PVH_BUILD_H */
