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

#ifndef __ASSEMBLER__

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
        struct xen_domctl_vcpuaffinity vcpuaffinity;
        struct xen_domctl_scheduler_op scheduler_op;
        uint8_t pad[128];
    } u;
};
SABLE_ABI_CHECK(xen_domctl_size, sizeof(struct xen_domctl) == 144);
SABLE_ABI_CHECK(xen_domctl_u, offsetof(struct xen_domctl, u) == 16);

#endif /* !__ASSEMBLER__ */
#endif /* SABLE_PUBLIC_DOMCTL_H */
