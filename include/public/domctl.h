/*
 * domctl: domain management by the privileged domain (the toolstack).
 *
 * domctl(struct xen_domctl *op): op->cmd is XEN_DOMCTL_*, op->domain the
 * target, op->interface_version must equal XEN_DOMCTL_INTERFACE_VERSION
 * (else -EACCES). The whole structure is copied back for commands that
 * return data. Numbers and layouts are Xen 4.19's; Sable implements the
 * commands listed in docs/abi.md and answers -ENOSYS to the others.
 *
 * Sable extension: the BVT scheduler (XEN_SCHEDULER_SABLE_BVT, the number
 * Xen 3.0 gave its BVT scheduler) and its parameters,
 * struct xen_domctl_sched_sable_bvt, in xen_domctl_scheduler_op's union.
 * Its 32 bytes lengthen that union (Xen's is 16) but stay well inside
 * xen_domctl's 128-byte one, so no Xen layout changes.
 */
#ifndef SABLE_PUBLIC_DOMCTL_H
#define SABLE_PUBLIC_DOMCTL_H

#include "xen.h"

/*
 * Raised by Xen whenever a domctl layout or meaning changes: this is the
 * value of Xen 4.19 (the level of these headers, abi.h). Sable raises
 * SABLE_INTERFACE_VERSION, not this, for its own additions.
 */
#define XEN_DOMCTL_INTERFACE_VERSION 0x00000017

/* xen_domctl.cmd */
#define XEN_DOMCTL_createdomain                   1
#define XEN_DOMCTL_destroydomain                  2
#define XEN_DOMCTL_pausedomain                    3
#define XEN_DOMCTL_unpausedomain                  4
#define XEN_DOMCTL_getdomaininfo                  5
#define XEN_DOMCTL_setvcpuaffinity                9
#define XEN_DOMCTL_shadow_op                     10
#define XEN_DOMCTL_max_mem                       11
#define XEN_DOMCTL_setvcpucontext                12
#define XEN_DOMCTL_getvcpucontext                13
#define XEN_DOMCTL_getvcpuinfo                   14
#define XEN_DOMCTL_max_vcpus                     15
#define XEN_DOMCTL_scheduler_op                  16
#define XEN_DOMCTL_setdomainhandle               17
#define XEN_DOMCTL_setdebugging                  18
#define XEN_DOMCTL_irq_permission                19
#define XEN_DOMCTL_iomem_permission              20
#define XEN_DOMCTL_ioport_permission             21
#define XEN_DOMCTL_hypercall_init                22
#define XEN_DOMCTL_settimeoffset                 24
#define XEN_DOMCTL_getvcpuaffinity               25
#define XEN_DOMCTL_resumedomain                  27
#define XEN_DOMCTL_sendtrigger                   28
#define XEN_DOMCTL_subscribe                     29
#define XEN_DOMCTL_gethvmcontext                 33
#define XEN_DOMCTL_sethvmcontext                 34
#define XEN_DOMCTL_set_address_size              35
#define XEN_DOMCTL_get_address_size              36
#define XEN_DOMCTL_set_max_evtchn                70
#define XEN_DOMCTL_soft_reset                    79

/* xen_domctl_scheduler_op.sched_id */
#define XEN_SCHEDULER_SABLE_BVT  0  /* Sable: Borrowed Virtual Time */
#define XEN_SCHEDULER_CREDIT     5
#define XEN_SCHEDULER_CREDIT2    6
#define XEN_SCHEDULER_ARINC653   7
#define XEN_SCHEDULER_RTDS       8
#define XEN_SCHEDULER_NULL       9

/* xen_domctl_scheduler_op.cmd */
#define XEN_DOMCTL_SCHEDOP_putinfo      0   /* set the domain's parameters */
#define XEN_DOMCTL_SCHEDOP_getinfo      1   /* read them */
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo  2   /* per vCPU: not for BVT (-EINVAL) */
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo  3

/* xen_domctl_vcpuaffinity.flags */
#define XEN_VCPUAFFINITY_HARD   (1U << 0)
#define XEN_VCPUAFFINITY_SOFT   (1U << 1)
#define XEN_VCPUAFFINITY_FORCE  (1U << 2)   /* undo SCHEDOP_pin_override */

/* xen_domctl_createdomain.flags */
#define XEN_DOMCTL_CDF_hvm              (1U << 0)   /* HVM (PVH) rather than PV */
#define XEN_DOMCTL_CDF_hap              (1U << 1)   /* nested paging, if available */
#define XEN_DOMCTL_CDF_s3_integrity     (1U << 2)
#define XEN_DOMCTL_CDF_oos_off          (1U << 3)
#define XEN_DOMCTL_CDF_xs_domain        (1U << 4)   /* the XenStore domain */
#define XEN_DOMCTL_CDF_iommu            (1U << 5)
#define XEN_DOMCTL_CDF_nested_virt      (1U << 6)
#define XEN_DOMCTL_CDF_vpmu             (1U << 7)
#define XEN_DOMCTL_CDF_MAX              XEN_DOMCTL_CDF_vpmu

/* xen_domctl_createdomain.grant_opts: the grant-table version in bits 0..3 */
#define XEN_DOMCTL_GRANT_version_mask   0xf
#define XEN_DOMCTL_GRANT_version(v)     ((v) & XEN_DOMCTL_GRANT_version_mask)

/* xen_arch_domainconfig.emulation_flags (x86): what the hypervisor emulates */
#define XEN_X86_EMU_LAPIC       (1U << 0)
#define XEN_X86_EMU_HPET        (1U << 1)
#define XEN_X86_EMU_PM          (1U << 2)
#define XEN_X86_EMU_RTC         (1U << 3)
#define XEN_X86_EMU_IOAPIC      (1U << 4)
#define XEN_X86_EMU_PIC         (1U << 5)
#define XEN_X86_EMU_VGA         (1U << 6)
#define XEN_X86_EMU_IOMMU       (1U << 7)
#define XEN_X86_EMU_PIT         (1U << 8)
#define XEN_X86_EMU_USE_PIRQ    (1U << 9)
#define XEN_X86_EMU_VPCI        (1U << 10)
/* xen_arch_domainconfig.misc_flags */
#define XEN_X86_MSR_RELAXED     (1U << 0)

/* xen_domctl_getdomaininfo.flags */
#define XEN_DOMINF_dying        (1U << 0)   /* being destroyed */
#define XEN_DOMINF_hvm_guest    (1U << 1)
#define XEN_DOMINF_shutdown     (1U << 2)   /* the guest shut down: code in bits 16..23 */
#define XEN_DOMINF_paused       (1U << 3)   /* paused by the toolstack (or never started) */
#define XEN_DOMINF_blocked      (1U << 4)   /* every online vCPU waits for an event */
#define XEN_DOMINF_running      (1U << 5)   /* some vCPU is on a CPU right now */
#define XEN_DOMINF_debugged     (1U << 6)
#define XEN_DOMINF_xs_domain    (1U << 7)
#define XEN_DOMINF_hap          (1U << 8)
#define XEN_DOMINF_shutdownmask  255
#define XEN_DOMINF_shutdownshift 16

/* xen_domctl_getdomaininfo.max_vcpu_id of a domain without vCPUs */
#define XEN_INVALID_MAX_VCPU_ID (~0U)

#ifndef __ASSEMBLER__

/* x86's part of createdomain and getdomaininfo. */
struct xen_arch_domainconfig {
    uint32_t emulation_flags;       /* IN: XEN_X86_EMU_*; 0 for PV */
    uint32_t misc_flags;            /* IN: XEN_X86_MSR_RELAXED */
};
SABLE_ABI_CHECK(xen_arch_domainconfig_size, sizeof(struct xen_arch_domainconfig) == 8);

/*
 * XEN_DOMCTL_createdomain. xen_domctl.domain is IN/OUT: a free id to use
 * (1 .. DOMID_FIRST_RESERVED - 1), or 0 / a reserved id to have one
 * chosen; the id created comes back in it.
 */
struct xen_domctl_createdomain {
    uint32_t ssidref;               /* IN: XSM label (ignored) */
    xen_domain_handle_t handle;     /* IN: the toolstack's UUID */
    uint32_t flags;                 /* IN: XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;            /* IN */
    uint32_t max_vcpus;             /* IN */
    uint32_t max_evtchn_port;       /* IN: highest port the domain may use */
    int32_t max_grant_frames;       /* IN: < 0: the hypervisor's default */
    int32_t max_maptrack_frames;    /* IN: < 0: the hypervisor's default */
    uint32_t grant_opts;            /* IN: grant version in bits 0..3 */
    uint32_t altp2m_opts;           /* IN */
    uint32_t vmtrace_size;          /* IN */
    uint32_t cpupool_id;            /* IN */
    struct xen_arch_domainconfig arch;  /* IN */
};
SABLE_ABI_CHECK(xen_domctl_createdomain_size, sizeof(struct xen_domctl_createdomain) == 68);
SABLE_ABI_CHECK(xen_domctl_createdomain_arch,
                offsetof(struct xen_domctl_createdomain, arch) == 60);

/* XEN_DOMCTL_getdomaininfo (also the entries of XEN_SYSCTL_getdomaininfolist) */
struct xen_domctl_getdomaininfo {
    domid_t domain;                 /* OUT (also echoed in xen_domctl.domain) */
    uint16_t pad1;
    uint32_t flags;                 /* OUT: XEN_DOMINF_* */
    uint64_t tot_pages;             /* OUT: frames the domain owns */
    uint64_t max_pages;             /* OUT: its limit (XEN_DOMCTL_max_mem) */
    uint64_t outstanding_pages;     /* OUT */
    uint64_t shr_pages;             /* OUT */
    uint64_t paged_pages;           /* OUT */
    uint64_t shared_info_frame;     /* OUT: machine frame (PV) of shared_info */
    uint64_t cpu_time;              /* OUT: ns its vCPUs have run */
    uint32_t nr_online_vcpus;       /* OUT: vCPUs up */
    uint32_t max_vcpu_id;           /* OUT: highest vCPU id */
    uint32_t ssidref;               /* OUT */
    xen_domain_handle_t handle;     /* OUT */
    uint32_t cpupool;               /* OUT */
    uint8_t gpaddr_bits;            /* OUT: guest physical address width */
    uint8_t pad2[7];
    struct xen_arch_domainconfig arch_config;   /* OUT */
};
SABLE_ABI_CHECK(xen_domctl_getdomaininfo_size, sizeof(struct xen_domctl_getdomaininfo) == 112);
SABLE_ABI_CHECK(xen_domctl_getdomaininfo_cpu_time,
                offsetof(struct xen_domctl_getdomaininfo, cpu_time) == 56);

/* XEN_DOMCTL_max_mem */
struct xen_domctl_max_mem {
    uint64_t max_memkb;             /* IN: KiB the domain may own */
};

/* XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext */
struct xen_domctl_vcpucontext {
    uint32_t vcpu;                  /* IN */
    uint32_t _pad0;
    GUEST_HANDLE(struct vcpu_guest_context) ctxt;   /* IN (set) / OUT (get) */
};
SABLE_ABI_CHECK(xen_domctl_vcpucontext_size, sizeof(struct xen_domctl_vcpucontext) == 16);

/* XEN_DOMCTL_getvcpuinfo */
struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;                  /* IN */
    uint8_t online;                 /* OUT: up (not VCPUOP_down) */
    uint8_t blocked;                /* OUT: waiting for an event */
    uint8_t running;                /* OUT: on a CPU right now */
    uint8_t _pad0;
    uint64_t cpu_time;              /* OUT: ns it has run */
    uint32_t cpu;                   /* OUT: the CPU it runs or last ran on */
    uint32_t _pad1;
};
SABLE_ABI_CHECK(xen_domctl_getvcpuinfo_size, sizeof(struct xen_domctl_getvcpuinfo) == 24);

/* XEN_DOMCTL_hypercall_init: fill a PV domain's frame with its hypercall page */
struct xen_domctl_hypercall_init {
    uint64_t gmfn;                  /* IN: the frame (a machine frame for PV) */
};

/*
 * XEN_DOMCTL_sethvmcontext / gethvmcontext: HVM state records
 * (public/hvm_save.h), size bytes at buffer.
 */
struct xen_domctl_hvmcontext {
    uint32_t size;                  /* IN: bytes at buffer */
    uint32_t _pad;
    GUEST_HANDLE(uint8_t) buffer;   /* IN: the records */
};
SABLE_ABI_CHECK(xen_domctl_hvmcontext_size, sizeof(struct xen_domctl_hvmcontext) == 16);

/* XEN_DOMCTL_max_vcpus */
struct xen_domctl_max_vcpus {
    uint32_t max;                   /* IN: must equal createdomain's max_vcpus */
};

/* A bitmap in the caller's memory: bit n of byte n / 8 is item n. */
struct xenctl_bitmap {
    GUEST_HANDLE(uint8_t) bitmap;   /* IN (set) / OUT (get) */
    uint32_t nr_bits;               /* IN: bits the buffer holds */
    uint32_t _pad0;
};
SABLE_ABI_CHECK(xenctl_bitmap_size, sizeof(struct xenctl_bitmap) == 16);

/* XEN_DOMCTL_setvcpuaffinity, XEN_DOMCTL_getvcpuaffinity */
struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;                  /* IN */
    uint32_t flags;                 /* IN: XEN_VCPUAFFINITY_* */
    struct xenctl_bitmap cpumap_hard;   /* IN/OUT */
    struct xenctl_bitmap cpumap_soft;   /* IN/OUT */
};
SABLE_ABI_CHECK(xen_domctl_vcpuaffinity_size, sizeof(struct xen_domctl_vcpuaffinity) == 40);

struct xen_domctl_sched_credit {
    uint16_t weight;
    uint16_t cap;
};

struct xen_domctl_sched_credit2 {
    uint16_t weight;
    uint16_t cap;
};

struct xen_domctl_sched_rtds {
    uint32_t period;
    uint32_t budget;
    uint32_t flags;
};

/*
 * Sable: the BVT parameters of a domain (docs/scheduler.md). Times are ns;
 * putinfo refuses (-EINVAL) values outside the ranges below and changes
 * nothing then.
 */
struct xen_domctl_sched_sable_bvt {
    uint32_t weight;        /* IN/OUT: 1..65535; 256 is the default share */
    uint32_t cap;           /* IN/OUT: % of one CPU for the whole domain, 0: none;
                                       at most 100 x its vCPUs */
    uint64_t warp;          /* IN/OUT: virtual ns borrowed on wake-up, <= 1 s */
    uint64_t warpl;         /* IN/OUT: warp time limit, <= 10 s, 0: none */
    uint64_t warpu;         /* IN/OUT: unwarp requirement, <= 10 s */
};
SABLE_ABI_CHECK(xen_domctl_sched_sable_bvt_size,
                sizeof(struct xen_domctl_sched_sable_bvt) == 32);

/* XEN_DOMCTL_scheduler_op */
struct xen_domctl_scheduler_op {
    uint32_t sched_id;      /* IN: XEN_SCHEDULER_* of the running scheduler */
    uint32_t cmd;           /* IN: XEN_DOMCTL_SCHEDOP_* */
    union {                 /* IN (put) / OUT (get) */
        struct xen_domctl_sched_credit credit;
        struct xen_domctl_sched_credit2 credit2;
        struct xen_domctl_sched_rtds rtds;
        struct {
            GUEST_HANDLE(void) vcpus;
            uint32_t nr_vcpus;
            uint32_t padding;
        } v;
        struct xen_domctl_sched_sable_bvt sable_bvt;   /* Sable */
    } u;
};
SABLE_ABI_CHECK(xen_domctl_scheduler_op_u, offsetof(struct xen_domctl_scheduler_op, u) == 8);

struct xen_domctl {
    uint32_t cmd;                   /* IN: XEN_DOMCTL_* */
    uint32_t interface_version;     /* IN: XEN_DOMCTL_INTERFACE_VERSION */
    domid_t domain;                 /* IN: the target */
    uint16_t _pad[3];
    union {
        struct xen_domctl_createdomain createdomain;
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_max_mem max_mem;
        struct xen_domctl_vcpucontext vcpucontext;
        struct xen_domctl_getvcpuinfo getvcpuinfo;
        struct xen_domctl_max_vcpus max_vcpus;
        struct xen_domctl_hypercall_init hypercall_init;
        struct xen_domctl_vcpuaffinity vcpuaffinity;
        struct xen_domctl_scheduler_op scheduler_op;
        struct xen_domctl_hvmcontext hvmcontext;
        uint8_t pad[128];
    } u;
};
SABLE_ABI_CHECK(xen_domctl_size, sizeof(struct xen_domctl) == 144);
SABLE_ABI_CHECK(xen_domctl_u, offsetof(struct xen_domctl, u) == 16);

#endif /* !__ASSEMBLER__ */
#endif /* SABLE_PUBLIC_DOMCTL_H */
