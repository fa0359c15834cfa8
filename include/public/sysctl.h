/*
 * sysctl: questions about the whole host, asked by the privileged domain
 * (the toolstack).
 *
 * sysctl(struct xen_sysctl *op): op->cmd is XEN_SYSCTL_*,
 * op->interface_version must equal XEN_SYSCTL_INTERFACE_VERSION (else
 * -EACCES); anyone but the privileged domain gets -EPERM. The structure
 * is copied back when a command returns data. Numbers and layouts are
 * Xen 4.19's; Sable implements the commands listed in docs/abi.md and
 * answers -ENOSYS to the others.
 */
#ifndef SABLE_PUBLIC_SYSCTL_H
#define SABLE_PUBLIC_SYSCTL_H

#include "xen.h"
#include "domctl.h"

/* Xen 4.19's value; raised by Xen whenever a sysctl layout or meaning changes. */
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

/* xen_sysctl.cmd */
#define XEN_SYSCTL_readconsole                    1
#define XEN_SYSCTL_tbuf_op                        2
#define XEN_SYSCTL_physinfo                       3
#define XEN_SYSCTL_sched_id                       4
#define XEN_SYSCTL_perfc_op                       5
#define XEN_SYSCTL_getdomaininfolist              6
#define XEN_SYSCTL_debug_keys                     7
#define XEN_SYSCTL_getcpuinfo                     8
#define XEN_SYSCTL_availheap                      9
#define XEN_SYSCTL_get_pmstat                    10
#define XEN_SYSCTL_cpu_hotplug                   11
#define XEN_SYSCTL_pm_op                         12
#define XEN_SYSCTL_page_offline_op               14
#define XEN_SYSCTL_lockprof_op                   15
#define XEN_SYSCTL_cputopoinfo                   16
#define XEN_SYSCTL_numainfo                      17
#define XEN_SYSCTL_cpupool_op                    18
#define XEN_SYSCTL_scheduler_op                  19
#define XEN_SYSCTL_coverage_op                   20
#define XEN_SYSCTL_psr_cmt_op                    21
#define XEN_SYSCTL_pcitopoinfo                   22
#define XEN_SYSCTL_psr_alloc                     23
#define XEN_SYSCTL_get_cpu_levelling_caps        25
#define XEN_SYSCTL_get_cpu_featureset            26
#define XEN_SYSCTL_livepatch_op                  27
#define XEN_SYSCTL_get_cpu_policy                29
#define XEN_SYSCTL_dt_overlay                    30

/* xen_sysctl_physinfo.capabilities: what guests the platform can run */
#define XEN_SYSCTL_PHYSCAP_hvm                  (1U << 0)
#define XEN_SYSCTL_PHYSCAP_pv                   (1U << 1)
#define XEN_SYSCTL_PHYSCAP_directio             (1U << 2)
#define XEN_SYSCTL_PHYSCAP_hap                  (1U << 3)
#define XEN_SYSCTL_PHYSCAP_shadow               (1U << 4)
#define XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share   (1U << 5)
#define XEN_SYSCTL_PHYSCAP_vmtrace              (1U << 6)
#define XEN_SYSCTL_PHYSCAP_vpmu                 (1U << 7)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1            (1U << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2            (1U << 9)
#define XEN_SYSCTL_PHYSCAP_MAX                  XEN_SYSCTL_PHYSCAP_gnttab_v2

#ifndef __ASSEMBLER__

/* XEN_SYSCTL_physinfo */
struct xen_sysctl_physinfo {
    uint32_t threads_per_core;      /* OUT */
    uint32_t cores_per_socket;      /* OUT */
    uint32_t nr_cpus;               /* OUT: CPUs online */
    uint32_t max_cpu_id;            /* OUT: highest possible CPU id */
    uint32_t nr_nodes;              /* OUT: NUMA nodes online */
    uint32_t max_node_id;           /* OUT */
    uint32_t cpu_khz;               /* OUT: TSC frequency */
    uint32_t capabilities;          /* OUT: XEN_SYSCTL_PHYSCAP_* */
    uint32_t arch_capabilities;     /* OUT */
    uint32_t pad;
    uint64_t total_pages;           /* OUT: RAM frames the hypervisor manages */
    uint64_t free_pages;            /* OUT: frames free right now */
    uint64_t scrub_pages;           /* OUT: free frames still to be scrubbed */
    uint64_t outstanding_pages;     /* OUT: claimed, not yet allocated */
    uint64_t max_mfn;               /* OUT: highest possible machine frame */
    uint32_t hw_cap[8];             /* OUT: CPUID feature words */
};
SABLE_ABI_CHECK(xen_sysctl_physinfo_size, sizeof(struct xen_sysctl_physinfo) == 112);
SABLE_ABI_CHECK(xen_sysctl_physinfo_total, offsetof(struct xen_sysctl_physinfo, total_pages) == 40);

/*
 * XEN_SYSCTL_getdomaininfolist: the domains with ids >= first_domain, in id
 * order, at most max_domains of them, one xen_domctl_getdomaininfo each.
 */
struct xen_sysctl_getdomaininfolist {
    domid_t first_domain;           /* IN */
    uint16_t _pad0;
    uint32_t max_domains;           /* IN: entries the buffer holds */
    GUEST_HANDLE(struct xen_domctl_getdomaininfo) buffer;  /* OUT */
    uint32_t num_domains;           /* OUT: entries written */
    uint32_t _pad1;
};
SABLE_ABI_CHECK(xen_sysctl_getdomaininfolist_size,
                sizeof(struct xen_sysctl_getdomaininfolist) == 24);

struct xen_sysctl {
    uint32_t cmd;                   /* IN: XEN_SYSCTL_* */
    uint32_t interface_version;     /* IN: XEN_SYSCTL_INTERFACE_VERSION */
    union {
        struct xen_sysctl_physinfo physinfo;
        struct xen_sysctl_getdomaininfolist getdomaininfolist;
        uint8_t pad[128];
    } u;
};
SABLE_ABI_CHECK(xen_sysctl_size, sizeof(struct xen_sysctl) == 136);
SABLE_ABI_CHECK(xen_sysctl_u, offsetof(struct xen_sysctl, u) == 8);

#endif /* !__ASSEMBLER__ */
#endif /* SABLE_PUBLIC_SYSCTL_H */
