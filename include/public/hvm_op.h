/*
 * hvm_op(cmd, arg): operations for HVM and PVH guests. Linux uses it to
 * read its XenStore/console parameters and to say how event upcalls reach
 * it (HVM_PARAM_CALLBACK_IRQ, or a per-vCPU vector).
 */
#ifndef SABLE_PUBLIC_HVM_OP_H
#define SABLE_PUBLIC_HVM_OP_H

#include "xen.h"

#define HVMOP_set_param             0   /* struct xen_hvm_param */
#define HVMOP_get_param             1   /* struct xen_hvm_param */
#define HVMOP_set_pci_intx_level    2   /* retired (dm_op) */
#define HVMOP_set_isa_irq_level     3   /* retired (dm_op) */
#define HVMOP_set_pci_link_route    4   /* retired (dm_op) */
#define HVMOP_flush_tlbs            5   /* arg must be NULL */
#define HVMOP_pagetable_dying       9   /* struct xen_hvm_pagetable_dying */
#define HVMOP_get_time              10  /* struct xen_hvm_get_time */
#define HVMOP_xentrace              11
#define HVMOP_get_mem_type          15  /* struct xen_hvm_get_mem_type */
#define HVMOP_set_evtchn_upcall_vector 23 /* struct xen_hvm_evtchn_upcall_vector */
#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m                25

/* xen_hvm_get_mem_type.mem_type */
#define HVMMEM_ram_rw               0
#define HVMMEM_ram_ro               1   /* writes discarded */
#define HVMMEM_mmio_dm              2   /* handled by a device model */
#define HVMMEM_unused               3
#define HVMMEM_ioreq_server         4

#ifndef __ASSEMBLER__

/* Read or write one HVM_PARAM_* of a domain. */
struct xen_hvm_param {
    domid_t  domid;             /* IN */
    uint16_t pad;
    uint32_t index;             /* IN: HVM_PARAM_* */
    uint64_t value;             /* IN (set) / OUT (get) */
};
SABLE_ABI_CHECK(xen_hvm_param_size, sizeof(struct xen_hvm_param) == 16);
SABLE_ABI_CHECK(xen_hvm_param_value, offsetof(struct xen_hvm_param, value) == 8);

/* Hint: the page table rooted at gpa is about to be freed (shadow paging). */
struct xen_hvm_pagetable_dying {
    domid_t  domid;             /* IN */
    uint16_t pad[3];
    uint64_t gpa;               /* IN: top-level table */
};
SABLE_ABI_CHECK(xen_hvm_pagetable_dying_size, sizeof(struct xen_hvm_pagetable_dying) == 16);

/* The hypervisor's system time. */
struct xen_hvm_get_time {
    uint64_t now;               /* OUT: ns since boot */
};

/* Type of one guest frame. */
struct xen_hvm_get_mem_type {
    domid_t  domid;             /* IN */
    uint16_t mem_type;          /* OUT: HVMMEM_* */
    uint16_t pad[2];
    uint64_t pfn;               /* IN */
};
SABLE_ABI_CHECK(xen_hvm_get_mem_type_size, sizeof(struct xen_hvm_get_mem_type) == 16);

/* Deliver one vCPU's event upcalls as a plain LAPIC vector. */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;              /* IN */
    uint8_t  vector;            /* IN: 0x10..0xff */
    uint8_t  _pad0[3];
};
SABLE_ABI_CHECK(xen_hvm_evtchn_upcall_vector_size,
                sizeof(struct xen_hvm_evtchn_upcall_vector) == 8);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_HVM_OP_H */
