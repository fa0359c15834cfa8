/*
 * dom0's domain builder for PV kernels (Sable's test kernels; Xen's
 * libxenguest xc_dom_* for x86-64 PV): a domain made with createdomain is
 * given its memory, its kernel and boot data, initial page tables, a
 * XenStore and a console page with their event channels, and vCPU 0's
 * context, all through dom0/xc.h, so it is ready to unpause.
 *
 * Guest pseudo-physical memory from the kernel's VIRT_BASE, as on Xen:
 *
 *   virt_base  kernel image (PT_LOAD segments)
 *              ramdisk                            (start_info.mod_start/len)
 *              p2m list (mfn_list)                nr_pages * 8 bytes
 *              start_info                         1 page
 *              XenStore ring                      1 page (store_mfn, store_evtchn)
 *              console ring                       1 page (console.domU)
 *              page tables L4, L3s, L2s, L1s      mapped read-only
 *              boot stack                         1 page; RSP = its top
 *   v_end      (mapped and free up to v_end + 512 KiB, 4 MiB aligned)
 *
 * Portable: the host unit tests run it against a fake hypervisor.
 */
#ifndef DOM0_PV_BUILD_H
#define DOM0_PV_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <dom0/xc.h>

struct pv_build_request {
    domid_t dom;                    /* made by xc_domain_create, paused */
    const uint8_t *kernel;          /* ELF64 with Xen notes */
    uint64_t kernel_len;
    const uint8_t *ramdisk;         /* or NULL */
    uint64_t ramdisk_len;
    const char *cmdline;            /* start_info.cmd_line (cut at 1023) */
    uint64_t mem_kib;               /* its memory */
    uint32_t vcpus;                 /* PVH: its vCPUs (the ACPI tables list them) */
};

struct pv_build_result {
    xen_pfn_t store_mfn, console_mfn;       /* PVH: guest frames (as Xen's HVM params) */
    uint32_t store_port, console_port;      /* the domain's, unbound for dom0 */
    uint64_t entry;
    uint64_t nr_pages;
    char guest_os[32];
};

/*
 * Both builders' writes into a new domain: len bytes at its address addr,
 * page by page, each page's frame (what xc_map_foreign takes) named by
 * frame(ctx, addr of the page, &frame), through a foreign mapping undone
 * at once. 0; 1 when frame() says an address is not the domain's; or the
 * mapping's error.
 */
int foreign_copy(domid_t dom, uint64_t addr, const void *src, uint64_t len,
                 bool (*frame)(void *ctx, uint64_t addr, xen_pfn_t *out), void *ctx);

/*
 * Build rq->dom. 0 and *out, or -1 with err saying why (the kernel is not
 * a PV kernel, memory too small, a hypercall refused); the caller then
 * destroys the domain, which frees whatever was given to it.
 */
int pv_build(const struct pv_build_request *rq, struct pv_build_result *out, char *err,
             size_t errlen);

#endif /* DOM0_PV_BUILD_H */
